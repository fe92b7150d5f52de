/**
 * Retention: which sealed segments of a channel are evicted for age or file count, whoever has
 * read them. The limits of a channel come from the first override whose pattern matches it, then
 * its kind: retained channels (the `.retained` marker) have none, `.dead-letter` channels their
 * own age, every other channel the global ones.
 */
import { isDeadLetterChannel, matchesChannelPattern } from '../naming/index.js';
import type { ChannelLog } from './channel-log.js';

/** Limits of one channel; 0 means none. */
export interface RetentionLimits {
  /** Age in ms of a segment's newest record past which the segment is evicted. */
  maxAgeMs: number;
  /** Log files kept, the active one included. */
  maxFiles: number;
}

/** An override for the channels `match` (a channel pattern) names; an undefined limit is not set. */
export interface RetentionOverride {
  match: string;
  maxAgeMs?: number | undefined;
  maxFiles?: number | undefined;
}

/** Every retention rule of a data dir. */
export interface RetentionRules {
  /** Limits of ordinary channels. */
  channels: RetentionLimits;
  /** Limits of `.dead-letter` channels. */
  deadLetter: RetentionLimits;
  /** Overrides, first match wins. */
  overrides: readonly RetentionOverride[];
}

/** Records a cursor lost to retention: deleted before it read them, or stepped over when it read on. */
export interface RetentionLoss {
  /** `evicted`: retention deleted them (the cursor may be offline); `skipped`: the cursor read past them. */
  kind: 'evicted' | 'skipped';
  channel: string;
  /** The offset file's id (a subscriber, or a federation cursor). */
  cursor: string;
  /** The lost byte range. */
  from: number;
  to: number;
}

/** Nothing is ever evicted. */
export const NO_RETENTION: RetentionLimits = { maxAgeMs: 0, maxFiles: 0 };

/** The limits of `channel` (`retained`: it carries the `.retained` marker). */
export function retentionFor(rules: RetentionRules, channel: string, retained: boolean): RetentionLimits {
  const own = retained ? NO_RETENTION : isDeadLetterChannel(channel) ? rules.deadLetter : rules.channels;
  const override = rules.overrides.find((o) => matchesChannelPattern(o.match, channel));
  if (override === undefined) return own;
  return { maxAgeMs: override.maxAgeMs ?? own.maxAgeMs, maxFiles: override.maxFiles ?? own.maxFiles };
}

/**
 * How many of the oldest segments of `log` the limits evict: those beyond `maxFiles`, and those
 * whose newest record is older than `maxAgeMs` at `now` (oldest first, stopping at the first young
 * one). The active segment is never counted.
 */
export async function segmentsToEvict(
  log: ChannelLog,
  limits: RetentionLimits,
  now: number,
): Promise<number> {
  const sealed = log.segments().length - 1;
  if (sealed <= 0) return 0;
  let count = limits.maxFiles > 0 ? Math.max(0, sealed + 1 - limits.maxFiles) : 0;
  if (limits.maxAgeMs > 0) {
    while (count < sealed && now - (await log.newestRecordTime(count)) > limits.maxAgeMs) count++;
  }
  return count;
}
