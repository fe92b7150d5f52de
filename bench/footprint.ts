/**
 * The `footprint` group: what starting costs on a small host. Each run is a fresh process, measured
 * next to its floor in the same run (bare Node doing the least that compares).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { daemonIdleRss, daemonReady } from './daemon-footprint.js';
import { benchDir, cleanup, repeat, type GroupOptions, type Metrics } from './measure.js';

const run = promisify(execFile);
/** What package.json's "exports" and "bin" name: the bundle (DESIGN.md §12.1). */
const MAIN_EXPORT = new URL('../bundle/index.js', import.meta.url).href;
const CLI = fileURLToPath(new URL('../bundle/cli.js', import.meta.url));
const DELIVER_CHILD = fileURLToPath(new URL('./deliver-child.js', import.meta.url));
/** How long the daemon idles after ready before its RSS is read (the 30 s). */
const DAEMON_IDLE_MS = 30_000;
/** How long the deliver child idles after the last delivery before its RSS is read. */
const DELIVER_IDLE_MS = 10_000;

/** Milliseconds a fresh Node process spends in `import(url)`, timed inside that process. */
async function importMs(url: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return Number(stdout);
}

/** Wall-clock milliseconds from spawning `node ...args` to its exit. */
async function processMs(args: string[]): Promise<number> {
  const start = performance.now();
  await run(process.execPath, args);
  return performance.now() - start;
}

/** RSS in MB of a process that published and delivered `count` messages, then idled. */
async function deliverRssMb(count: number, idleMs: number): Promise<number> {
  const { stdout } = await run(process.execPath, [DELIVER_CHILD, String(count), String(idleMs)]);
  return (JSON.parse(stdout) as { rssMb: number }).rssMb;
}

/** The daemon's idle figures, then the library's RSS after 100,000 deliveries. */
async function runtimeFootprint(dir: string, quick: boolean): Promise<Metrics> {
  return repeat(
    quick ? 1 : 3,
    {
      'footprint.daemon.idle_rss_mb': 'MB',
      'footprint.daemon.idle_rss_floor_mb': 'MB',
      'footprint.deliver_100k.rss_mb': 'MB',
    },
    async () => {
      const daemon = await daemonIdleRss(dir, quick ? 3000 : DAEMON_IDLE_MS);
      cleanup(path.join(dir, 'data'));
      return {
        'footprint.daemon.idle_rss_mb': daemon.idleRssMb,
        'footprint.daemon.idle_rss_floor_mb': daemon.floorRssMb,
        'footprint.deliver_100k.rss_mb': await deliverRssMb(
          quick ? 10_000 : 100_000,
          quick ? 1000 : DELIVER_IDLE_MS,
        ),
      };
    },
  );
}

/** The daemon's start: spawn to `/readyz` 200 on a fresh data dir, and its CPU time by then. */
async function daemonStart(dir: string): Promise<Record<string, number>> {
  const { readyMs, readyCpuMs } = await daemonReady(dir);
  cleanup(path.join(dir, 'data'));
  return {
    'footprint.daemon.ready_ms': readyMs,
    ...(readyCpuMs === undefined ? {} : { 'footprint.daemon.ready_cpu_ms': readyCpuMs }),
  };
}

/** Runs the footprint group. */
export async function runFootprintBench(opts: GroupOptions): Promise<Metrics> {
  const dir = benchDir('footprint');
  const empty = path.join(dir, 'empty.mjs');
  fs.writeFileSync(empty, 'export {};\n');
  const emptyUrl = new URL(`file://${empty}`).href;
  try {
    const startup = await repeat(
      opts.quick ? 3 : 15,
      {
        'footprint.import_ms': 'ms',
        'footprint.import_floor_ms': 'ms',
        'footprint.cli.version_ms': 'ms',
        'footprint.cli.version_floor_ms': 'ms',
        'footprint.daemon.ready_ms': 'ms',
        'footprint.daemon.ready_cpu_ms': 'ms',
      },
      async () => ({
        'footprint.import_ms': await importMs(MAIN_EXPORT),
        'footprint.import_floor_ms': await importMs(emptyUrl),
        'footprint.cli.version_ms': await processMs([CLI, 'version']),
        'footprint.cli.version_floor_ms': await processMs([empty]),
        ...(await daemonStart(dir)),
      }),
    );
    return { ...startup, ...(await runtimeFootprint(dir, opts.quick)) };
  } finally {
    cleanup(dir);
  }
}
