/** Opening Messengers with a streamkit store in temp dirs, closed after each test. */
import path from 'node:path';
import { afterEach } from 'vitest';
import {
  Messenger,
  StreamStore,
  type SpaceHealth,
  type StreamEntry,
  type WorkerInventory,
} from '../../src/index.js';
import type { FakeClock } from '../support/fake-clock.js';
import type { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** A Messenger named `name` on `dataDir` (a new temp dir by default) with store `store` open on it. */
export async function openStore(
  options: {
    dataDir?: string;
    name?: string;
    store?: string;
    authority?: string;
    clock?: FakeClock;
    logger?: MemoryLogger;
  } = {},
): Promise<{ messenger: Messenger; store: StreamStore; dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir('keyop-sk-');
  const messenger = await Messenger.open(
    { name: options.name ?? 'node-a', storage: { dataDir, syncPolicy: 'none' } },
    {
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    },
  );
  open.push(messenger);
  const store = await StreamStore.open(messenger, {
    store: options.store ?? 'orders',
    ...(options.authority === undefined ? {} : { authority: options.authority }),
  });
  open.push(store);
  return { messenger, store, dataDir };
}

/** Closes what {@link openStore} opened so far (to reopen the same data dir). */
export async function closeAll(): Promise<void> {
  for (const o of open.splice(0).reverse()) await o.close();
}

/** Every item of an async iterable. */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The sequences of entries. */
export function sequences(entries: readonly StreamEntry[]): number[] {
  return entries.map((e) => e.sequence);
}

/** 1..n */
export function range(n: number, from = 1): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** The segment file of a space channel (the tests keep channels in one segment). */
export function spaceFile(dataDir: string, space: string, store = 'orders'): string {
  return path.join(dataDir, 'channels', `sk.${store}.${space}`, '00000000000000000000.jsonl');
}

/** Resolves with the first inventory (delivered to a subscriber) that satisfies `done`. */
export async function inventoryWhere(
  store: StreamStore,
  done: (inventory: WorkerInventory) => boolean,
): Promise<WorkerInventory> {
  let stop: (() => void) | undefined;
  const found = new Promise<WorkerInventory>((resolve) => {
    void store
      .subscribeWorkers((inventory) => {
        if (done(inventory)) resolve(inventory);
      })
      .then((unsubscribe) => (stop = unsubscribe));
  });
  const inventory = await found;
  stop?.();
  return inventory;
}

/** A space's health: `figures` over a clean space's zeros (nothing torn, refused, gapped). */
export function healthOf(figures: Partial<SpaceHealth>): SpaceHealth {
  return {
    lastPosition: 0,
    tornEntries: 0,
    refusedEntries: 0,
    gaps: 0,
    heldEntries: 0,
    repairedEntries: 0,
    ...figures,
  };
}

/** The fields of entries that must be equal on every replica (not where they lie in a file). */
export function comparable(entries: readonly StreamEntry[]): unknown[] {
  return entries.map(({ sequence, position, segment, timestamp, trx, data, origin }) => ({
    sequence,
    position,
    segment,
    timestamp,
    trx,
    data,
    origin,
  }));
}
