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

/** p50 and p99 of a latency distribution, in microseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/**
 * Per-operation latencies of a timed run (each from the call to the settled ack, as the caller sees
 * it), kept as raw samples and summarised as exact percentiles of the sorted samples.
 */
export class LatencySamples {
  #samples = new Float64Array(1024);
  #count = 0;

  /** How many samples were recorded. */
  get count(): number {
    return this.#count;
  }

  /** Records one latency, in milliseconds (a `performance.now()` difference). */
  add(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ms;
  }

  /** p50 and p99 of the samples, in µs (0 when there are none). */
  percentiles(): Percentiles {
    const sorted = Array.from(this.#samples.subarray(0, this.#count).sort());
    return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 };
  }
}

/** A rate and the latency of each acknowledged operation that made it. */
export interface AckedRate {
  /** Operations per second. */
  rate: number;
  /** Send → ack latency of each operation (µs). */
  ack: Percentiles;
}

/** Runs `run` with a fresh {@link LatencySamples}; returns its rate and the samples' percentiles. */
export async function measureAcks(run: (acks: LatencySamples) => Promise<number>): Promise<AckedRate> {
  const acks = new LatencySamples();
  const rate = await run(acks);
  return { rate, ack: acks.percentiles() };
}

/** The names of the ack latency percentiles of a rate metric: `<metric>.ack_p50_us`, `.ack_p99_us`. */
export function ackMetricNames(metric: string): { p50: string; p99: string } {
  return { p50: `${metric}.ack_p50_us`, p99: `${metric}.ack_p99_us` };
}

/**
 * The name under which the `peers` group records one of our (or a floor's) metrics, measured in the
 * same repeat as the peers, alternating with them: `peers.<metric>` (the report reads it, when
 * present, in place of `<metric>` of the group that owns the scenario).
 */
export function sideBySideName(metric: string): string {
  return `peers.${metric}`;
}

/** A rate metric's value under `metric` and its ack latency percentiles under {@link ackMetricNames}. */
export function ackedRateValues(metric: string, run: AckedRate): Record<string, number> {
  const names = ackMetricNames(metric);
  return { [metric]: run.rate, [names.p50]: run.ack.p50, [names.p99]: run.ack.p99 };
}

/** The units of rate metrics (name → unit) with those of their ack latency percentiles (µs) added. */
export function withAckUnits(units: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = {};
  for (const [metric, unit] of Object.entries(units)) {
    const names = ackMetricNames(metric);
    Object.assign(all, { [metric]: unit, [names.p50]: 'µs', [names.p99]: 'µs' });
  }
  return all;
}

/**
 * Calls `step` as fast as possible for `ms` milliseconds; returns operations per second. With `acks`,
 * each step's latency is recorded.
 */
export async function throughput(
  ms: number,
  step: () => Promise<number>,
  acks?: LatencySamples,
): Promise<number> {
  const start = performance.now();
  let ops = 0;
  // One clock read a step, as without `acks`: a step's end is the next one's start (a read costs
  // ~0.2 µs on this VM, so timing each call on its own would cost the fastest loops ~5 %).
  let now = start;
  while (now - start < ms) {
    const sent = now;
    ops += await step();
    now = performance.now();
    acks?.add(now - sent);
  }
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
 * milliseconds; returns ops per second. With `acks`, each call's latency is recorded.
 */
export async function concurrentThroughput(
  ms: number,
  workers: number,
  op: (worker: number) => Promise<unknown>,
  acks?: LatencySamples,
): Promise<number> {
  const start = performance.now();
  let ops = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      // One clock read a call, as in {@link throughput}.
      let now = performance.now();
      while (now - start < ms) {
        const sent = now;
        await op(worker);
        now = performance.now();
        acks?.add(now - sent);
        ops++;
      }
    }),
  );
  return ops / ((performance.now() - start) / 1000);
}

/**
 * {@link concurrentThroughput} after a warm-up of a fifth of `ms` (at most 200 ms) that is not
 * counted, with the latency of each counted call.
 */
export async function ackedThroughput(
  ms: number,
  workers: number,
  op: (worker: number) => Promise<unknown>,
): Promise<AckedRate> {
  await concurrentThroughput(Math.min(200, ms / 5), workers, op);
  return measureAcks((acks) => concurrentThroughput(ms, workers, op, acks));
}

/**
 * Runs `op(i)` for i = 0 … total − 1 with at most `workers` calls in flight. With `acks`, each call's
 * latency is recorded.
 */
export async function inFlight(
  total: number,
  workers: number,
  op: (i: number) => Promise<unknown>,
  acks?: LatencySamples,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      // One clock read a call, as in {@link throughput}.
      let sent = acks === undefined ? 0 : performance.now();
      while (next < total) {
        await op(next++);
        if (acks !== undefined) {
          const now = performance.now();
          acks.add(now - sent);
          sent = now;
        }
      }
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
