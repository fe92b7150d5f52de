/** What the metrics read at each scrape: the shape of `Messenger.stats()` and the federation links. */
import type { LinkTraffic } from '../federation/index.js';
import type { FsyncTimings } from './fsync-timings.js';

/** One subscriber, as in `Messenger.stats()`. */
export interface SubscriberSnapshot {
  readonly offset: number;
  readonly lagBytes: number;
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly deadLettered: number;
  readonly stalled: boolean;
}

/** One channel, as in `Messenger.stats()`. */
export interface ChannelSnapshot {
  readonly endOffset: number;
  readonly bytes: number;
  readonly segments: number;
  readonly messages: number;
  readonly corruptRecords: number;
  readonly skippedBytes: number;
  readonly evictedBytes: number;
  readonly subscribers: Readonly<Record<string, SubscriberSnapshot>>;
}

/** One link to a hub, as in `Messenger.stats()`. */
export interface HubLinkSnapshot {
  readonly addr: string;
  readonly state: string;
  readonly connects: number;
  readonly refusal?: string;
  readonly lastError?: { readonly message: string; readonly at: string };
}

/** A snapshot of the instance, as `Messenger.stats()` returns it. */
export interface InstanceSnapshot {
  readonly channels: Readonly<Record<string, ChannelSnapshot>>;
  readonly federation?: {
    readonly hub: { readonly peers: readonly string[] } | undefined;
    readonly clients: readonly HubLinkSnapshot[];
    readonly audit: { readonly written: number; readonly dropped: number; readonly writeFailures: number };
  };
}

/** A live federation connection: a link to a hub (by its address) or a peer of the hub (by name). */
export interface LinkSnapshot extends LinkTraffic {
  /** `hub:<addr>` for a link to a hub, `peer:<name>` for a peer connected to this hub. */
  readonly link: string;
}

/** What the metrics are computed from, read at each scrape. */
export interface MetricsSource {
  /** The instance's stats (`Messenger.stats()`). */
  stats(): InstanceSnapshot;
  /** The open federation connections. */
  links(): readonly LinkSnapshot[];
  /** Fsync latencies of the instance's segment files. */
  readonly fsync: FsyncTimings;
}
