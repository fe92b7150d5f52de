/** What the lease book and the worker registry need of their store. */
import type { Clock } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import type { ChannelLog } from '../storage/index.js';

/** A store's view for its control channels. */
export interface ControlHost {
  /** The store name. */
  readonly store: string;
  /** The store's authority ('' when unknown: a read-only inspection). */
  readonly authority: string;
  /** Whether this instance decides (the authority, not read-only). */
  readonly decides: boolean;
  /** Whether this instance only reads what is on disk (no follow, no write). */
  readonly readOnly: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * The channel's log, created when missing and marked retained (control channels are history, §1 of
   * the spec); read-only: the log on disk, or undefined when there is none.
   */
  log(channel: string): Promise<ChannelLog | undefined>;
  /** Appends one record (this instance's origin, stamped now) to `channel`; resolves once durable. */
  appendRecord(channel: string, payloadType: string, payload: unknown): Promise<void>;
}
