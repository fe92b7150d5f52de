/** Shared helpers of the benchmark groups: repeated runs, medians, percentiles, temp dirs. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One metric: the median of several runs, with the spread. */
export interface Metric {
  median: number;
  min: number;
  max: number;
  unit: string;
}

/** Metrics by name. */
export type Metrics = Record<string, Metric>;

/** Options every group receives. */
export interface GroupOptions {
  /** Fewer and shorter runs (smoke test of the bench itself). */
  quick: boolean;
}

/** Runs `once` `runs` times and summarises each named value it returns. */
export async function repeat(
  runs: number,
  units: Record<string, string>,
  once: () => Promise<Record<string, number>>,
): Promise<Metrics> {
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const values = await once();
    for (const [name, value] of Object.entries(values)) (samples[name] ??= []).push(value);
  }
  const metrics: Metrics = {};
  for (const [name, values] of Object.entries(samples)) {
    const sorted = [...values].sort((a, b) => a - b);
    metrics[name] = {
      median: round(percentile(sorted, 50)),
      min: round(sorted[0] ?? 0),
      max: round(sorted[sorted.length - 1] ?? 0),
      unit: units[name] ?? '',
    };
  }
  return metrics;
}

/** The p-th percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (rank - lo);
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}

/** A fresh temp dir for one run; removed by {@link cleanup}. */
export function benchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `keyop-bench-${prefix}-`));
}

/** Removes a temp dir. */
export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Calls `step` as fast as possible for `ms` milliseconds; returns operations per second. */
export async function throughput(ms: number, step: () => Promise<number>): Promise<number> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms) ops += await step();
  return ops / ((performance.now() - start) / 1000);
}

/** A ~300-byte payload (the envelope around it makes the record about 300 + 200 bytes). */
export function payload(i: number): { seq: number; data: string } {
  return { seq: i, data: 'x'.repeat(100) };
}

/**
 * Microseconds on the machine's monotonic clock, which every process shares (unlike
 * `performance.timeOrigin`, fixed per process at its start and off by up to milliseconds).
 */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/**
 * Runs `workers` loops that each await `op` (given the loop's index) again and again for `ms`
 * milliseconds; returns ops per second.
 */
export async function concurrentThroughput(
  ms: number,
  workers: number,
  op: (worker: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  let ops = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() - start < ms) {
        await op(worker);
        ops++;
      }
    }),
  );
  return ops / ((performance.now() - start) / 1000);
}

/** Runs `op(i)` for i = 0 … total − 1 with at most `workers` calls in flight. */
export async function inFlight(
  total: number,
  workers: number,
  op: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) await op(next++);
    }),
  );
}

/**
 * A fresh envelope line the naive way: an object with a random UUID and an ISO time around
 * {@link payload}, stringified (the size of what a publish stores, ~300 bytes).
 */
export function naiveLine(i: number): string {
  const envelope = {
    v: 1,
    id: randomUUID(),
    ts: new Date().toISOString(),
    channel: 'bench',
    origin: 'bench',
    payload_type: 'Bench',
    payload: payload(i),
  };
  return `${JSON.stringify(envelope)}\n`;
}
