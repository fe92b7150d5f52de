/**
 * `npm run bench -- [--only <group>[,<group>]] [--out <file>] [--quick]`: runs the benchmark
 * groups, prints a table and writes `{ machine, metrics }` as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { GroupOptions, Metrics } from './measure.js';
import { runEphemeralBench } from './ephemeral.js';
import { runFederationBench } from './federation.js';
import { runFootprintBench } from './footprint.js';
import { runRpcBench } from './rpc.js';
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
};

const { values } = parseArgs({
  options: { only: { type: 'string' }, out: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const selected = values.only?.split(',') ?? Object.keys(GROUPS);
for (const name of selected) {
  if (GROUPS[name] === undefined) {
    process.stderr.write(
      `unknown benchmark group ${JSON.stringify(name)}; groups: ${Object.keys(GROUPS).join(', ')}\n`,
    );
    process.exit(2);
  }
}

const machine = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  date: new Date().toISOString(),
};
const metrics: Metrics = {};
for (const name of selected) {
  const run = GROUPS[name];
  if (run !== undefined) Object.assign(metrics, await run({ quick: values.quick }));
}

const width = Math.max(...Object.keys(metrics).map((k) => k.length));
for (const [name, m] of Object.entries(metrics)) {
  process.stdout.write(
    `${name.padEnd(width)}  ${String(m.median).padStart(12)} ${m.unit.padEnd(7)} [${m.min} .. ${m.max}]\n`,
  );
}
const json = JSON.stringify({ machine, metrics }, null, 2);
if (values.out !== undefined) fs.writeFileSync(values.out, `${json}\n`);
else process.stdout.write(`${json}\n`);
