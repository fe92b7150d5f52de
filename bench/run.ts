/**
 * `npm run bench -- [--only <group>[,<group>]] [--out <file>] [--report <dir>] [--quick] [--note <text>]`:
 * runs the benchmark groups (all but `soak`, which runs only when named), prints a table and writes
 * `{ machine, metrics, systems }` as JSON (to `--out`, to `<dir>/bench.json` with the HTML report of
 * bench/report, or to stdout). `machine` includes the load average before, during and after the run,
 * and `--note` (what else the machine was doing, say).
 *
 * `npm run bench -- --compare old.json new.json [--report <dir>]`: prints the change of every metric
 * and writes `compare.html` and `compare.svg` to `<dir>` (by default the folder of new.json).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { GroupOptions, Metrics } from './measure.js';
import { runEphemeralBench } from './ephemeral.js';
import { runFederationBench } from './federation.js';
import { runFootprintBench } from './footprint.js';
import { describePeers, runPeersBench } from './peers/index.js';
import {
  compareResults,
  comparisonChart,
  comparisonPage,
  formatComparison,
  readResult,
  writeReport,
  type BenchResult,
  type MachineInfo,
} from './report/index.js';
import { runRpcBench } from './rpc.js';
import { runSoakBench } from './soak.js';
import { runStorageBench } from './storage.js';
import { runStreamkitBench } from './streamkit.js';
import { runStreamsBench } from './streams.js';

const GROUPS: Record<string, (opts: GroupOptions) => Promise<Metrics>> = {
  storage: runStorageBench,
  federation: runFederationBench,
  ephemeral: runEphemeralBench,
  streams: runStreamsBench,
  rpc: runRpcBench,
  streamkit: runStreamkitBench,
  footprint: runFootprintBench,
  peers: runPeersBench,
  soak: runSoakBench,
};
/** Groups run only when `--only` names them (the soak takes twenty minutes). */
const OPT_IN = new Set(['soak']);

function usage(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    out: { type: 'string' },
    report: { type: 'string' },
    compare: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    note: { type: 'string' },
  },
});

if (values.compare) {
  const [oldFile, newFile] = positionals;
  if (oldFile === undefined || newFile === undefined || positionals.length !== 2)
    usage('usage: --compare <old.json> <new.json> [--report <dir>]');
  const comparison = compareResults(readResult(oldFile), readResult(newFile));
  process.stdout.write(formatComparison(comparison));
  const dir = values.report ?? path.dirname(newFile);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'compare.svg'), `${comparisonChart(comparison.changes)}\n`);
  fs.writeFileSync(path.join(dir, 'compare.html'), comparisonPage(oldFile, newFile, comparison));
  process.stderr.write(`wrote ${path.join(dir, 'compare.html')} and compare.svg\n`);
  process.exit(0);
}
if (positionals.length > 0) usage(`unexpected argument ${JSON.stringify(positionals[0])}`);

const selected = values.only?.split(',') ?? Object.keys(GROUPS).filter((name) => !OPT_IN.has(name));
for (const name of selected) {
  if (GROUPS[name] === undefined)
    usage(`unknown benchmark group ${JSON.stringify(name)}; groups: ${Object.keys(GROUPS).join(', ')}`);
}

/** The 1, 5 and 15-minute load averages, to two decimals. */
const loadAverage = (): number[] => os.loadavg().map((v) => Math.round(v * 100) / 100);
const loadAtStart = loadAverage();
let highestLoad = loadAtStart[0] ?? 0;
const loadSampler = setInterval(() => {
  highestLoad = Math.max(highestLoad, loadAverage()[0] ?? 0);
}, 5_000);
loadSampler.unref();
const machine: MachineInfo = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
  ...(values.note === undefined ? {} : { note: values.note }),
};
const metrics: Metrics = {};
for (const name of selected) {
  const run = GROUPS[name];
  if (run !== undefined) Object.assign(metrics, await run({ quick: values.quick }));
}
clearInterval(loadSampler);
const loadAtEnd = loadAverage();
machine.load_avg = {
  start: loadAtStart,
  end: loadAtEnd,
  max_1m: Math.max(highestLoad, loadAtEnd[0] ?? 0),
};

const width = Math.max(...Object.keys(metrics).map((k) => k.length));
for (const [name, m] of Object.entries(metrics)) {
  process.stdout.write(
    `${name.padEnd(width)}  ${String(m.median).padStart(12)} ${m.unit.padEnd(7)} [${m.min} .. ${m.max}]\n`,
  );
}
const compared = { peers: selected.includes('peers'), streams: selected.includes('streams') };
const result: BenchResult = {
  machine,
  metrics,
  ...(compared.peers || compared.streams ? { systems: describePeers(compared) } : {}),
};
const json = JSON.stringify(result, null, 2);
if (values.out !== undefined) fs.writeFileSync(values.out, `${json}\n`);
if (values.report !== undefined) {
  const written = writeReport(values.report, result);
  process.stderr.write(`report: ${written.join(', ')}\n`);
}
if (values.out === undefined && values.report === undefined) process.stdout.write(`${json}\n`);
