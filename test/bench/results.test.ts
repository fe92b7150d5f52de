import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN_MARK, END_MARK, type BenchRun } from '../../bench/results.js';
import { tempDir } from '../support/temp-dir.js';

const RUN: BenchRun = {
  machine: {
    cpus: 2,
    cpu_model: 'Test CPU',
    node: 'v20.19.0',
    platform: 'linux 6.1',
    date: '2026-12-06T00:00:00Z',
  },
  metrics: {
    'storage.publish.always.c1': { median: 2914.4, min: 2800, max: 3001.25, unit: 'msgs/s' },
    'federation.e2e.latency.p50': { median: 289, min: 250, max: 300, unit: 'µs' },
  },
};

describe('bench/RESULTS.md generation', () => {
  it('rewrites only the marked latest-run section from a bench run, keeping the journal', () => {
    const dir = tempDir();
    const runFile = path.join(dir, 'run.json');
    const results = path.join(dir, 'RESULTS.md');
    fs.writeFileSync(runFile, JSON.stringify(RUN));
    fs.writeFileSync(results, `# Results\n\n${BEGIN_MARK}\nold table\n${END_MARK}\n\n## Journal\nkept\n`);
    const script = path.resolve(import.meta.dirname, '../../dist/bench/results.js');
    const done = spawnSync(process.execPath, [script, runFile, results], { encoding: 'utf8' });
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    const text = fs.readFileSync(results, 'utf8');
    expect(text).not.toContain('old table');
    expect(text).toContain('| storage.publish.always.c1 | 2,914.4 | msgs/s | 2,800 .. 3,001.25 |');
    expect(text).toContain('| federation.e2e.latency.p50 | 289 | µs | 250 .. 300 |');
    expect(text).toContain('Run of 2026-12-06T00:00:00Z: 2 × Test CPU');
    expect(text.endsWith(`${END_MARK}\n\n## Journal\nkept\n`)).toBe(true);
  });

  it('refuses a results file without the markers, naming them, and leaves it alone', () => {
    const dir = tempDir();
    const runFile = path.join(dir, 'run.json');
    const results = path.join(dir, 'RESULTS.md');
    fs.writeFileSync(runFile, JSON.stringify(RUN));
    fs.writeFileSync(results, '# Results\n');
    const script = path.resolve(import.meta.dirname, '../../dist/bench/results.js');
    const done = spawnSync(process.execPath, [script, runFile, results], { encoding: 'utf8' });
    expect(done.status).not.toBe(0);
    expect(done.stderr).toContain('latest-run:begin');
    expect(fs.readFileSync(results, 'utf8')).toBe('# Results\n');
  });
});
