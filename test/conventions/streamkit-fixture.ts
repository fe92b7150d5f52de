/** One instance with a `StreamRpc` and the test's independent requester, closed after each test. */
import path from 'node:path';
import {
  Messenger,
  StreamRpc,
  StreamStore,
  type MessengerOptions,
  type SegmentStatus,
  type StreamStoreOptions,
} from '../../src/index.js';
import { systemClock, type Clock, type TimerHandle } from '../../internal/clock/index.js';
import type { Closable } from '../support/closing.js';
import { tempDir } from '../support/temp-dir.js';
import { SkRequester } from './streamkit-requester.js';
import { SpaceReader } from './streamkit-replica.js';
import { channelLines, channels, type WireStatus } from './streamkit-wire.js';

/** An instance of the tests. */
export interface SkInstance {
  messenger: Messenger;
  rpc: StreamRpc;
  dataDir: string;
  requester: SkRequester;
  /** The lines of a channel of the instance, in order. */
  lines(channel: string): string[];
  /** The space `space` of store `orders` read by the independent reader (authority `authority`). */
  space(space: string, authority?: string): SpaceReader;
}

/** The system clock moved ahead by `offset` ms (timers stay real), to make leases lapse and workers age. */
export class SkewedClock implements Clock {
  offset = 0;
  now(): number {
    return systemClock.now() + this.offset;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return systemClock.setInterval(fn, ms);
  }
}

/** Opens instance `name` (a new data dir unless given) with a StreamRpc; closed through `closing`. */
export async function openInstance(
  closing: Closable[],
  name: string,
  dataDir?: string,
  options: MessengerOptions = {},
): Promise<SkInstance> {
  const dir = dataDir ?? path.join(tempDir('keyop-skspec-'), 'data');
  const messenger = await Messenger.open(
    { name, storage: { dataDir: dir, syncPolicy: 'periodic' } },
    options,
  );
  closing.push(messenger);
  const rpc = await StreamRpc.open(messenger);
  closing.push(rpc);
  return instanceOf(messenger, rpc, dir);
}

/** The test's view of an open Messenger and StreamRpc. */
export function instanceOf(messenger: Messenger, rpc: StreamRpc, dataDir: string): SkInstance {
  const lines = (channel: string): string[] => channelLines(dataDir, channel);
  return {
    messenger,
    rpc,
    dataDir,
    requester: new SkRequester(rpc, 'orders'),
    lines,
    space: (space, authority = 'hub1') =>
      new SpaceReader(space, authority).feed(lines(channels.space('orders', space))),
  };
}

/** Opens store `orders` on `i` (the authority unless `options.authority` says otherwise). */
export async function openStore(
  closing: Closable[],
  i: SkInstance,
  options: Partial<StreamStoreOptions> = {},
): Promise<StreamStore> {
  const store = await StreamStore.open(i.messenger, { store: 'orders', rpc: i.rpc, ...options });
  closing.push(store);
  return store;
}

/** Every entry a StreamStore iterator yields. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** An authority of store `orders` (instance `hub1`) that a test stops and opens again on its data dir. */
export interface RestartableAuthority {
  /** The instance as now open. */
  i: SkInstance;
  /** Its store. */
  store: StreamStore;
  /** Closes the store, rpc and Messenger, runs `between` (the instance is stopped), opens all again. */
  restart(between?: () => void): Promise<SkInstance>;
}

/** Opens a {@link RestartableAuthority}; whatever is open at the end of the test is closed. */
export async function restartableAuthority(
  closing: Closable[],
  options: MessengerOptions = {},
): Promise<RestartableAuthority> {
  const open: Closable[] = [];
  closing.push({
    close: async () => {
      for (const c of open.splice(0).reverse()) await c.close();
    },
  });
  const start = async (dataDir?: string): Promise<{ i: SkInstance; store: StreamStore }> => {
    const i = await openInstance(open, 'hub1', dataDir, options);
    return { i, store: await openStore(open, i) };
  };
  const a: RestartableAuthority = {
    ...(await start()),
    async restart(between) {
      for (const c of open.splice(0).reverse()) await c.close();
      between?.();
      Object.assign(a, await start(a.i.dataDir));
      return a.i;
    },
  };
  return a;
}

/** A status of the TypeScript API in the wire form of §5.3, to compare with the independent reader's. */
export function wireStatusOf(s: SegmentStatus): WireStatus {
  return {
    space: s.space,
    segment: s.segment,
    first_sequence: s.firstSequence,
    first_timestamp: s.firstTimestamp,
    last_sequence: s.lastSequence,
    last_timestamp: s.lastTimestamp,
  };
}
