/**
 * Package-private access to a Messenger's storage for the daemon and the channel conventions
 * (Durable Streams, federation). Not exported from the package.
 */
import type { AppendLines, ChannelLog, Storage } from '../../internal/storage/index.js';
import type { Clock } from '../../internal/clock/index.js';
import type { Logger } from '../../internal/logger/index.js';
import type { FsyncTimings } from '../../internal/metrics/index.js';
import type { Federation } from './lazy-federation.js';

/** What package code may use of a Messenger beyond its public API. */
export interface MessengerInternals {
  /** The open data dir. */
  storage: Storage;
  /** The instance identity. */
  name: string;
  clock: Clock;
  logger: Logger;
  /** The log of `channel`, opened on first use. */
  log(channel: string): Promise<ChannelLog>;
  /**
   * Appends already-encoded envelope lines (each ending in `\n`) to `channel` through the same
   * path as publish.
   */
  append: AppendLines;
  /** The running federation, when the hub or the client is enabled. */
  federation(): Federation | undefined;
  /** Fsync latencies of the data dir's segment files (exposed by `/metrics`). */
  fsyncTimings: FsyncTimings;
}

const registry = new WeakMap<object, MessengerInternals>();

/** Called by the Messenger constructor. */
export function registerInternals(messenger: object, internals: MessengerInternals): void {
  registry.set(messenger, internals);
}

/** The internals of `messenger`; throws for objects that are not a Messenger. */
export function internalsOf(messenger: object): MessengerInternals {
  const internals = registry.get(messenger);
  if (internals === undefined) throw new TypeError('not a Messenger');
  return internals;
}
