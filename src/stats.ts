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
  /** The channel's subscribers in this Messenger, by id. */
  subscribers: Record<string, SubscriberStats>;
}

/** A snapshot of a Messenger's channels (those opened since it started). */
export interface MessengerStats {
  /** Instance identity. */
  name: string;
  /** Channels by name. */
  channels: Record<string, ChannelStats>;
}
