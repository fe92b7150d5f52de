/** The snapshot `Messenger.stats()` returns. */

/** Counters and position of one subscriber. */
export interface SubscriberStats {
  /** Next offset the subscriber will read. */
  offset: number;
  /** Offset last written to its offset file. */
  persistedOffset: number;
  /** Bytes between the subscriber's position and the end of the channel. */
  lagBytes: number;
  /** Messages handled successfully since it subscribed. */
  delivered: number;
  /** Failed handler attempts (each retry counts). */
  failedAttempts: number;
  /** Messages sent to the dead-letter channel. */
  deadLettered: number;
  /** Failed dead-letter writes (each retry counts). */
  deadLetterFailures: number;
  /** Bytes it stepped over because retention had evicted them before it read them. */
  retentionSkippedBytes: number;
  /** True while a dead-letter write keeps failing: delivery waits on that message and retries it. */
  stalled: boolean;
  /**
   * Whether a subscription of this Messenger runs it. When false, the subscriber is known by its
   * offset file only (a federation cursor, a stopped subscriber, one of another process or of before
   * a restart): `offset` is the stored one and the counters are 0.
   */
  running: boolean;
}

/** Size and position of one channel, with its subscribers. */
export interface ChannelStats {
  /** Offset of the oldest retained byte. */
  startOffset: number;
  /** Offset just past the newest byte. */
  endOffset: number;
  /** Bytes retained on disk (`endOffset - startOffset`). */
  bytes: number;
  /** Segment files. */
  segments: number;
  /** Messages appended through this Messenger since it opened. */
  messages: number;
  /** Corrupt records readers skipped since it opened. */
  corruptRecords: number;
  /**
   * Bytes readers passed over as damaged since it opened: corrupt records, torn tails, segments
   * that cannot be opened (each reader counts what it passes over).
   */
  skippedBytes: number;
  /** Bytes retention (`storage.retention`, `max_files`) deleted since it opened, read or not. */
  evictedBytes: number;
  /**
   * Bytes cursors (subscribers and federation) stepped over since it opened because retention had
   * evicted them before they read them.
   */
  retentionSkippedBytes: number;
  /**
   * The channel's subscribers by id: this Messenger's subscriptions, and every other offset file of
   * the channel by its file id (federation cursors are `fed-<peer>` and `fedout-<hub>`).
   */
  subscribers: Record<string, SubscriberStats>;
  /**
   * Whether the channel's log is open in this process (published to, subscribed, served by the hub
   * or the HTTP endpoint). When false, sizes and positions come from its files and the counters
   * since open are 0.
   */
  open: boolean;
  /** Offset files of the channel that could not be read (path: reason), so none is left out silently. */
  unreadableOffsetFiles: string[];
}

/** State of one link to a hub. */
export interface HubLinkStats {
  /** The hub's address as configured. */
  addr: string;
  /**
   * `connecting`, `connected`, `disconnected`, `refused` (the hub refuses this instance for good:
   * allowlist, certificates, limits; still retried) or `closed`.
   */
  state: string;
  /** The hub's identity once connected. */
  hub: string | undefined;
  /** Why the hub refuses this instance, while `state` is `refused`. */
  refusal?: string;
  /**
   * The latest failed dial, lost connection or refusal, kept after the link recovers: its message and
   * when (RFC 3339).
   */
  lastError?: { message: string; at: string };
  /** Successful connections so far. */
  connects: number;
}

/** Federation state, when the hub or the client is enabled. */
export interface FederationStats {
  /** The hub: its bound address and connected peers (undefined when the hub is not enabled). */
  hub: { address: string; peers: string[] } | undefined;
  /** One entry per configured hub. */
  clients: HubLinkStats[];
  /**
   * Audit events written and dropped (queue full, file unopenable, still unwritable at close), and
   * failed writes (cut back and retried, never leaving a torn line).
   */
  audit: { written: number; dropped: number; writeFailures: number };
}

/** A snapshot of a Messenger's data dir: every channel on disk or open, with its subscribers. */
export interface MessengerStats {
  /** Instance identity. */
  name: string;
  /** Channels by name: every channel of the data dir, and those opened since start. */
  channels: Record<string, ChannelStats>;
  /** Federation state, when enabled. */
  federation?: FederationStats;
}
