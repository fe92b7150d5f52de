/**
 * Group `storage`: the channel writer and the subscriber path, with raw-file floors measured in
 * the same run so every figure reads as a ratio.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Messenger } from '../src/index.js';
import { fromTimeSeekMicros } from './from-time.js';
import {
  benchDir,
  cleanup,
  ackedRateValues,
  concurrentThroughput,
  measureAcks,
  naiveLine,
  payload,
  percentile,
  repeat,
  throughput,
  withAckUnits,
  type GroupOptions,
  type LatencySamples,
  type Metrics,
} from './measure.js';

const RECORD_300 = Buffer.from(`${JSON.stringify({ v: 1, pad: 'x'.repeat(280) })}\n`.slice(-300));

function openMessenger(
  dataDir: string,
  syncPolicy: 'always' | 'periodic' | 'none',
  offsetFlushIntervalMs = 200,
): Promise<Messenger> {
  return Messenger.open({ name: 'bench', storage: { dataDir, syncPolicy, offsetFlushIntervalMs } });
}

/** Raw loop: write 300 bytes, fdatasync, repeat. */
export async function floorFdatasync(ms: number, acks?: LatencySamples): Promise<number> {
  const dir = benchDir('floor');
  const fd = fs.openSync(path.join(dir, 'floor.jsonl'), 'a');
  try {
    return await throughput(
      ms,
      () => {
        fs.writeSync(fd, RECORD_300);
        fs.fdatasyncSync(fd);
        return Promise.resolve(1);
      },
      acks,
    );
  } finally {
    fs.closeSync(fd);
    cleanup(dir);
  }
}

/** Naive group commit: queue appends, one write of the concatenation and one fdatasync per batch. */
export async function floorGroupCommit(
  ms: number,
  publishers: number,
  acks?: LatencySamples,
): Promise<number> {
  const dir = benchDir('floor-gc');
  const fd = fs.openSync(path.join(dir, 'floor.jsonl'), 'a');
  let queue: { buf: Buffer; done: () => void }[] = [];
  let flushing = false;
  const flush = (): void => {
    if (flushing || queue.length === 0) return;
    flushing = true;
    const batch = queue;
    queue = [];
    fs.writeSync(fd, Buffer.concat(batch.map((b) => b.buf)));
    fs.fdatasync(fd, () => {
      flushing = false;
      for (const b of batch) b.done();
      flush();
    });
  };
  const append = (buf: Buffer): Promise<void> =>
    new Promise((done) => {
      queue.push({ buf, done });
      queueMicrotask(flush);
    });
  try {
    return await concurrentThroughput(ms, publishers, () => append(RECORD_300), acks);
  } finally {
    fs.closeSync(fd);
    cleanup(dir);
  }
}

/**
 * Naive `periodic` publisher: each awaited publish stringifies a fresh envelope and writes it with
 * one write(2); a 200 ms timer fdatasyncs. No queue, no offsets, no readers: the floor for
 * storage.publish.periodic.c1 on this machine.
 */
export async function floorPeriodic(ms: number, acks?: LatencySamples): Promise<number> {
  const dir = benchDir('floor-periodic');
  const fd = fs.openSync(path.join(dir, 'floor.jsonl'), 'a');
  const timer = setInterval(() => {
    fs.fdatasync(fd, () => undefined);
  }, 200);
  let i = 0;
  try {
    return await throughput(
      ms,
      () => {
        fs.writeSync(fd, Buffer.from(naiveLine(i++)));
        return Promise.resolve(1);
      },
      acks,
    );
  } finally {
    clearInterval(timer);
    fs.closeSync(fd);
    cleanup(dir);
  }
}

/** Naive batch of `size`: fresh envelopes stringified, joined, written with one write(2). */
async function floorBatch(ms: number, size: number): Promise<number> {
  const dir = benchDir('floor-batch');
  const fd = fs.openSync(path.join(dir, 'floor.jsonl'), 'a');
  try {
    return await throughput(ms, () => {
      let text = '';
      for (let i = 0; i < size; i++) text += naiveLine(i);
      fs.writeSync(fd, Buffer.from(text));
      return Promise.resolve(size);
    });
  } finally {
    fs.closeSync(fd);
    cleanup(dir);
  }
}

/** Messages/s of `publishers` awaiting publish loops on one channel; with `acks`, each publish's latency. */
export async function publishRate(
  policy: 'always' | 'periodic',
  ms: number,
  publishers: number,
  acks?: LatencySamples,
): Promise<number> {
  const dir = benchDir('pub');
  const m = await openMessenger(dir, policy);
  try {
    let i = 0;
    return await concurrentThroughput(ms, publishers, () => m.publish('bench', 'Bench', payload(i++)), acks);
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** Messages/s of awaited `publishBatch` calls of `size` messages (`periodic`). */
export async function publishBatchRate(ms: number, size: number): Promise<number> {
  const dir = benchDir('batch');
  const m = await openMessenger(dir, 'periodic');
  const batch = Array.from({ length: size }, (_, i) => ({ payloadType: 'Bench', payload: payload(i) }));
  try {
    return await throughput(ms, async () => (await m.publishBatch('bench', batch)).length);
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** Messages/s a new subscriber reads from the start of a backlog of `messages` (`periodic`). */
export async function catchup(messages: number): Promise<number> {
  const dir = benchDir('catchup');
  const m = await openMessenger(dir, 'periodic', 200);
  try {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ payloadType: 'Bench', payload: payload(i) }));
    for (let n = 0; n < messages; n += batch.length) await m.publishBatch('bench', batch);
    // The backlog's publishing left garbage; collect it so the read is not charged for it.
    (globalThis as { gc?: () => void }).gc?.();
    let received = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const start = performance.now();
    await m.subscribe(
      'bench',
      'reader',
      () => {
        if (++received === messages) done();
      },
      { from: 'beginning' },
    );
    await finished;
    return messages / ((performance.now() - start) / 1000);
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** Publish → subscriber latency (µs, p50/p99) on one instance, one message at a time. */
export async function latency(samples: number): Promise<{ p50: number; p99: number }> {
  const dir = benchDir('latency');
  const m = await openMessenger(dir, 'periodic', 200);
  try {
    let t0 = 0;
    let arrived: (() => void) | undefined;
    const lat: number[] = [];
    await m.subscribe('bench', 'reader', () => {
      lat.push(performance.now() - t0);
      arrived?.();
    });
    for (let i = 0; i < samples; i++) {
      const got = new Promise<void>((r) => (arrived = r));
      t0 = performance.now();
      await m.publish('bench', 'Bench', payload(i));
      await got;
    }
    const sorted = lat.slice(Math.floor(samples / 10)).sort((a, b) => a - b);
    return { p50: percentile(sorted, 50) * 1000, p99: percentile(sorted, 99) * 1000 };
  } finally {
    await m.close();
    cleanup(dir);
  }
}

/** RSS and CPU of a fresh process holding 1,000 idle channels with a subscriber each. */
function idleThousand(): { rssMb: number; cpuPct: number } {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'idle-child.js');
  const out = spawnSync(process.execPath, ['--expose-gc', child, '1000'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`idle child failed: ${out.stderr}`);
  return JSON.parse(out.stdout) as { rssMb: number; cpuPct: number };
}

/** Runs the storage group. */
export async function runStorageBench({ quick }: GroupOptions): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const ms = quick ? 300 : 1500;
  const msgs = 'msgs/s';
  return {
    ...(await repeat(
      runs,
      withAckUnits({ 'floor.fdatasync.c1': 'ops/s', 'storage.publish.always.c1': msgs }),
      async () => ({
        ...ackedRateValues('floor.fdatasync.c1', await measureAcks((acks) => floorFdatasync(ms, acks))),
        ...ackedRateValues(
          'storage.publish.always.c1',
          await measureAcks((acks) => publishRate('always', ms, 1, acks)),
        ),
      }),
    )),
    ...(await repeat(
      runs,
      withAckUnits({ 'floor.groupcommit.c64': msgs, 'storage.publish.always.c64': msgs }),
      async () => ({
        ...ackedRateValues(
          'floor.groupcommit.c64',
          await measureAcks((acks) => floorGroupCommit(ms, 64, acks)),
        ),
        ...ackedRateValues(
          'storage.publish.always.c64',
          await measureAcks((acks) => publishRate('always', ms, 64, acks)),
        ),
      }),
    )),
    ...(await repeat(
      runs,
      withAckUnits({ 'floor.periodic.c1': msgs, 'storage.publish.periodic.c1': msgs }),
      async () => ({
        ...ackedRateValues('floor.periodic.c1', await measureAcks((acks) => floorPeriodic(ms, acks))),
        ...ackedRateValues(
          'storage.publish.periodic.c1',
          await measureAcks((acks) => publishRate('periodic', ms, 1, acks)),
        ),
      }),
    )),
    ...(await repeat(
      runs,
      { 'floor.batch.b100': msgs, 'storage.publish_batch.periodic.b100': msgs },
      async () => ({
        'floor.batch.b100': await floorBatch(ms, 100),
        'storage.publish_batch.periodic.b100': await publishBatchRate(ms, 100),
      }),
    )),
    ...(await repeat(runs, { 'storage.deliver.catchup': msgs }, async () => ({
      'storage.deliver.catchup': await catchup(quick ? 20_000 : 200_000),
    }))),
    ...(await repeat(
      runs,
      { 'storage.deliver.latency.p50_us': 'µs', 'storage.deliver.latency.p99_us': 'µs' },
      async () => {
        const { p50, p99 } = await latency(quick ? 500 : 5000);
        return { 'storage.deliver.latency.p50_us': p50, 'storage.deliver.latency.p99_us': p99 };
      },
    )),
    ...(await repeat(runs, { 'storage.from_time.seek_us': 'µs' }, async () => ({
      'storage.from_time.seek_us': await fromTimeSeekMicros(quick ? 10 : 50),
    }))),
    ...(await repeat(runs, { 'storage.idle_1000.rss_mb': 'MB', 'storage.idle_1000.cpu_pct': '%' }, () => {
      const { rssMb, cpuPct } = idleThousand();
      return Promise.resolve({ 'storage.idle_1000.rss_mb': rssMb, 'storage.idle_1000.cpu_pct': cpuPct });
    })),
  };
}
