/** What the admin operations act on: a data dir, opened by the running daemon or by the CLI itself. */
import type { AuditRecord } from '../audit/index.js';
import type { RetentionRules, Storage } from '../storage/index.js';

/** A data dir and the process that has it open. */
export interface AdminHost {
  /** The open data dir (read-only when the CLI reads a stopped one). */
  readonly storage: Storage;
  /** `daemon` when the running daemon serves the request, `offline` when the CLI opened the dir. */
  readonly mode: 'daemon' | 'offline';
  /** The retention rules of the configuration. */
  readonly retention: RetentionRules;
  /**
   * The subscriber ids (offset file names) being delivered in this process for `channel`, with
   * their delivery counters; their offset files may not be changed under them.
   */
  activeSubscribers(channel: string): ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /**
   * What in this process uses `channel` and would break if it were deleted, one phrase each
   * (subscribers delivering, federation sessions sending it, readers waiting for its next record);
   * none on a stopped data dir.
   */
  channelHolders(channel: string): string[];
  /** The live statistics of the process (`Messenger.stats()`), when it is the daemon. */
  liveStats(): unknown;
  /** Appends encoded envelope lines to `channel` (as publish does). */
  append(channel: string, lines: Buffer, records: number): Promise<unknown>;
  /** Records an admin action in the audit log. */
  audit(record: AuditRecord): void;
}
