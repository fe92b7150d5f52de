/**
 * Compaction: deletes sealed segments that every consumer of a channel has read past. Consumers are
 * the offset files on disk (local subscribers, whether subscribed now or not, and federation
 * cursors `fed-*` / `fedout-*`); a channel with none may drop every sealed segment unless retained.
 */
import type { Logger } from '../logger/index.js';
import type { Storage } from './storage.js';

/** What one compaction pass did. */
export interface CompactionResult {
  segments: number;
  bytes: number;
}

const FEDERATION_PREFIXES = ['fed-', 'fedout-'];

/**
 * Compacts every channel in the data dir. A channel whose offset files cannot all be read is left
 * alone (never compacted past an unknown consumer).
 */
export async function compactAll(
  storage: Storage,
  maxLagBytes: number,
  logger: Logger,
): Promise<CompactionResult> {
  const total: CompactionResult = { segments: 0, bytes: 0 };
  for (const channel of await storage.channelsOnDisk()) {
    try {
      const result = await compactChannel(storage, channel, maxLagBytes, logger);
      total.segments += result.segments;
      total.bytes += result.bytes;
    } catch (err) {
      logger.error({ err, channel }, 'compaction failed');
    }
  }
  return total;
}

/** Compacts one channel; see {@link compactAll}. */
export async function compactChannel(
  storage: Storage,
  channel: string,
  maxLagBytes: number,
  logger: Logger,
): Promise<CompactionResult> {
  if (await storage.isRetained(channel)) return { segments: 0, bytes: 0 };
  const { offsets, errors } = await storage.offsets.list(channel);
  if (errors.length > 0) {
    for (const { file, err } of errors)
      logger.error({ err, channel, file }, 'compaction skipped: unreadable offset file');
    return { segments: 0, bytes: 0 };
  }
  const log = await storage.log(channel);
  const end = log.end;
  for (const { id, offset } of offsets) {
    if (FEDERATION_PREFIXES.some((p) => id.startsWith(p))) continue;
    if (end - offset > maxLagBytes) {
      logger.warn(
        { channel, subscriber: id, lag_bytes: end - offset, max_lag_bytes: maxLagBytes },
        'subscriber is lagging behind channel',
      );
    }
  }
  const floor = offsets.reduce((min, o) => Math.min(min, o.offset), end);
  return log.deleteSegmentsBelow(floor);
}
