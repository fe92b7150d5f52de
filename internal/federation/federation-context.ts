/**
 * What federation needs from its Messenger: storage, identity, dedup, audit, and the append path.
 */
import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../clock/index.js';
import type { SeenIds } from '../dedup/index.js';
import type { Logger, RepeatedLines } from '../logger/index.js';
import type { AppendLines, Storage } from '../storage/index.js';

/** Shared by the hub, the hub clients, and every link. */
export interface FederationContext {
  /** This instance's identity (certificate CN with TLS). */
  name: string;
  storage: Storage;
  seen: SeenIds;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Rate limit of the lines a peer can make repeat (one per bad record): keys start with the peer. */
  repeatedLines: RepeatedLines;
  /** Appends encoded envelope lines to a channel, as publish does (one write and one fsync). */
  append: AppendLines;
  /** Largest frame payload sent and largest record accepted (`federation.max_batch_bytes`). */
  maxBatchBytes: number;
  /** Interval between pings on every link. */
  pingIntervalMs: number;
  /** How long a peer may take to send its handshake. */
  handshakeTimeoutMs: number;
  /** How often federation cursors persist their offset (they always persist on stop). */
  offsetFlushIntervalMs: number;
}
