/**
 * Produce beside the publishes it is compared with, measured interleaved: a storage publish of the
 * group's usual payload, a plain publish of the very lines a produce writes, and the produce, each
 * run in turn for short slices until each had its time. On a machine shared with other jobs the
 * load then weighs on all three alike, which separate back-to-back runs do not give.
 */
import { Messenger, StreamStore } from '../src/index.js';
import { benchDir, cleanup, payload } from './measure.js';

/** Rates (units/s) of the three, from the same interleaved run. */
export interface ProduceBeside {
  /** `publish` (size 1) or `publishBatch` of the usual payload: the storage reference. */
  publish: number;
  /** The same call publishing the entry lines a produce of that size writes. */
  entryLines: number;
  /** Awaited produces of `size` records (one-record appends with a sequence check for 1). */
  produce: number;
}

const SLICE_MS = 100;

/** A step: does one awaited call, returns how many units (messages, entries) it wrote. */
type Step = () => Promise<number>;

/** The payload of entry `i` of a transaction as a space channel holds it. */
function entryPayload(i: number, trxId: string, index: number, count: number): Record<string, unknown> {
  return {
    segment: 'seg',
    sequence: i + 1,
    position: i + 1,
    timestamp: Date.now(),
    trx: { id: trxId, number: i + 1, index, count },
    data: payload(i),
  };
}

function openMessenger(dataDir: string): Promise<Messenger> {
  return Messenger.open({
    name: 'bench',
    storage: { dataDir, syncPolicy: 'periodic', offsetFlushIntervalMs: 200 },
  });
}

/** The three steps for calls of `size` records, on messengers of their own. */
function steps(publisher: Messenger, lines: Messenger, store: StreamStore, size: number): Step[] {
  const batch = Array.from({ length: size }, (_, i) => ({ payloadType: 'Bench', payload: payload(i) }));
  const records = Array.from({ length: size }, (_, i) => ({ data: payload(i) }));
  let published = 0;
  let line = 0;
  let last = 0;
  const publish: Step =
    size === 1
      ? async () => {
          await publisher.publish('bench', 'Bench', payload(published++));
          return 1;
        }
      : async () => (await publisher.publishBatch('bench', batch)).length;
  const entryLines: Step = async () => {
    const trxId = crypto.randomUUID();
    const messages = Array.from({ length: size }, (_, index) => ({
      payloadType: 'streamkit.entry.v1',
      payload: entryPayload(line++, trxId, index, size),
      correlationId: trxId,
    }));
    if (size > 1) return (await lines.publishBatch('sk.bench.s', messages)).length;
    const [only] = messages;
    await lines.publish('sk.bench.s', only?.payloadType ?? '', only?.payload, { correlationId: trxId });
    return 1;
  };
  const produce: Step =
    size === 1
      ? async () => {
          await store.append('s', 'seg', payload(last + 1), { expectedLastSequence: last });
          last++;
          return 1;
        }
      : async () => {
          await store.produce('s', 'seg', records);
          return size;
        };
  return [publish, entryLines, produce];
}

/** Runs `steps` in turn for slices of {@link SLICE_MS} until each ran `ms`; returns each one's rate. */
async function interleave(ms: number, all: readonly Step[]): Promise<number[]> {
  const units = all.map(() => 0);
  const spent = all.map(() => 0);
  while (spent.some((t) => t < ms)) {
    for (const [k, step] of all.entries()) {
      const start = performance.now();
      let done = 0;
      while (performance.now() - start < SLICE_MS) done += await step();
      units[k] = (units[k] ?? 0) + done;
      spent[k] = (spent[k] ?? 0) + performance.now() - start;
    }
  }
  return units.map((u, k) => u / ((spent[k] ?? 1) / 1000));
}

/** Publish, the entry lines' publish and produce of calls of `size` records, interleaved for `ms` each. */
export async function produceBeside(ms: number, size: number): Promise<ProduceBeside> {
  const dirs = [benchDir('sk-pub'), benchDir('sk-line'), benchDir('sk-produce')] as const;
  const publisher = await openMessenger(dirs[0]);
  const lines = await openMessenger(dirs[1]);
  const producer = await openMessenger(dirs[2]);
  const store = await StreamStore.open(producer, { store: 'bench' });
  try {
    const [publish = 0, entryLines = 0, produce = 0] = await interleave(
      ms,
      steps(publisher, lines, store, size),
    );
    return { publish, entryLines, produce };
  } finally {
    await store.close();
    for (const m of [producer, lines, publisher]) await m.close();
    for (const dir of dirs) cleanup(dir);
  }
}
