/**
 * Compaction: deletes sealed segments that every consumer of a channel has read past, and those
 * retention evicts (age, file count) whoever has read them. Consumers are the offset files on disk
 * (local subscribers, whether subscribed now or not, and federation cursors);
 * a channel with none may drop every sealed segment unless retained.
 */
import type { Logger } from '../logger/index.js';
import type { StoredOffset } from './offset-store.js';
import { retentionFor, segmentsToEvict, type RetentionLimits, type RetentionRules } from './retention.js';
import type { ChannelLog } from './channel-log.js';
import type { Storage } from './storage.js';

/** What one compaction pass did. */
export interface CompactionResult {
  segments: number;
  bytes: number;
}

/** How a compaction pass decides. */
export interface CompactionSettings {
  /** A local subscriber further behind than this is logged as lagging. */
  maxLagBytes: number;
  /** Age and file-count limits. */
  retention: RetentionRules;
  /** The current time (ms), for ages. */
  now: number;
  /**
   * Whether the consumer with offset file `id` is logged when it lags (default: every one). The
   * messenger says no for federation cursors: a peer that is away is not a slow subscriber.
   */
  warnsLag?: (id: string) => boolean;
}

/**
 * Compacts every channel in the data dir. A channel whose offset files cannot all be read is not
 * compacted by consumption (never past an unknown consumer); retention still applies to it.
 */
export async function compactAll(
  storage: Storage,
  settings: CompactionSettings,
  logger: Logger,
): Promise<CompactionResult> {
  const total: CompactionResult = { segments: 0, bytes: 0 };
  for (const channel of await storage.channelsOnDisk()) {
    try {
      const result = await compactChannel(storage, channel, settings, logger);
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
  settings: CompactionSettings,
  logger: Logger,
): Promise<CompactionResult> {
  const retained = await storage.isRetained(channel);
  const limits = retentionFor(settings.retention, channel, retained);
  if (retained && limits.maxAgeMs === 0 && limits.maxFiles === 0) return { segments: 0, bytes: 0 };
  const { offsets, errors } = await storage.offsets.list(channel);
  for (const { file, err } of errors)
    logger.error({ err, channel, file }, 'compaction skipped: unreadable offset file');
  const log = await storage.log(channel);
  const evicted = await evict(log, limits, offsets, settings.now, logger);
  if (retained || errors.length > 0) return evicted;
  const end = log.end;
  for (const { id, offset } of offsets) {
    if (settings.warnsLag?.(id) === false) continue;
    if (end - offset > settings.maxLagBytes) {
      logger.warn(
        { channel, subscriber: id, lag_bytes: end - offset, max_lag_bytes: settings.maxLagBytes },
        'subscriber is lagging behind channel',
      );
    }
  }
  const floor = offsets.reduce((min, o) => Math.min(min, o.offset), end);
  const consumed = await log.deleteSegmentsBelow(floor);
  return { segments: evicted.segments + consumed.segments, bytes: evicted.bytes + consumed.bytes };
}

/**
 * Deletes the segments retention evicts; each consumer that had not read all that was deleted (even
 * when a deletion fails part-way) is logged and reported: records lost to retention are never silent.
 */
async function evict(
  log: ChannelLog,
  limits: RetentionLimits,
  offsets: readonly StoredOffset[],
  now: number,
  logger: Logger,
): Promise<CompactionResult> {
  const count = await segmentsToEvict(log, limits, now);
  const until = log.segments()[count]?.start;
  if (count === 0 || until === undefined) return { segments: 0, bytes: 0 };
  const from = log.start;
  try {
    return await log.deleteSegmentsBelow(until, true);
  } finally {
    for (const { id, offset } of offsets) {
      const lost = { kind: 'evicted' as const, cursor: id, from: Math.max(from, offset), to: log.start };
      if (lost.from >= lost.to) continue;
      logger.warn(
        { channel: log.channel, cursor: id, from: lost.from, to: lost.to, bytes: lost.to - lost.from },
        'retention evicted records a consumer had not read',
      );
      log.noteRetentionLoss(lost);
    }
  }
}
