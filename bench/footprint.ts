/**
 * The `footprint` group: what starting costs on a small host. Each run is a fresh process, measured
 * next to its floor in the same run (bare Node doing the least that compares).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchDir, cleanup, repeat, type GroupOptions, type Metrics } from './measure.js';

const run = promisify(execFile);
const MAIN_EXPORT = new URL('../src/index.js', import.meta.url).href;
const CLI = fileURLToPath(new URL('../cmd/keyop-messenger/main.js', import.meta.url));

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

/** Runs the footprint group. */
export async function runFootprintBench(opts: GroupOptions): Promise<Metrics> {
  const dir = benchDir('footprint');
  const empty = path.join(dir, 'empty.mjs');
  fs.writeFileSync(empty, 'export {};\n');
  const emptyUrl = new URL(`file://${empty}`).href;
  try {
    return await repeat(
      opts.quick ? 3 : 15,
      {
        'footprint.import_ms': 'ms',
        'footprint.import_floor_ms': 'ms',
        'footprint.cli.version_ms': 'ms',
        'footprint.cli.version_floor_ms': 'ms',
      },
      async () => ({
        'footprint.import_ms': await importMs(MAIN_EXPORT),
        'footprint.import_floor_ms': await importMs(emptyUrl),
        'footprint.cli.version_ms': await processMs([CLI, 'version']),
        'footprint.cli.version_floor_ms': await processMs([empty]),
      }),
    );
  } finally {
    cleanup(dir);
  }
}
