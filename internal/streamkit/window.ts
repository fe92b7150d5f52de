/** The read windows of §5.1, normalised exactly as streamkit does. */
import { badRequest } from './errors.js';

/** The largest limit a consume honours. */
export const MAX_CONSUME_LIMIT = 10_000_000;

/** Time window and paging shared by every consume. */
export interface ConsumeWindow {
  /** Only entries with a timestamp strictly after this (Unix ms); 0 = no bound. */
  minTimestamp?: number;
  /** Only entries with a timestamp at or before this (Unix ms); 0 = no bound. */
  maxTimestamp?: number;
  /** At most this many entries (clamped to 10,000,000); 0 = no limit. */
  limit?: number;
  /** Keep waiting for new entries at the end instead of ending there. */
  follow?: boolean;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

/** A segment window: sequences inclusive, 0 = unbounded, max below min means max = min. */
export interface SegmentWindow extends ConsumeWindow {
  minSequence?: number;
  maxSequence?: number;
}

/** A window with every bound made explicit. */
export interface Bounds {
  minSequence: number;
  maxSequence: number;
  minTimestamp: number;
  maxTimestamp: number;
  limit: number;
}

/** The explicit bounds of `w` (4000 naming a field that is not a whole number ≥ 0). */
export function boundsOf(w: SegmentWindow): Bounds {
  const minSequence = field(w.minSequence, 'minSequence');
  const maxSequence = field(w.maxSequence, 'maxSequence');
  const minTimestamp = field(w.minTimestamp, 'minTimestamp');
  const maxTimestamp = field(w.maxTimestamp, 'maxTimestamp');
  const limit = field(w.limit, 'limit');
  const min = Math.max(1, minSequence);
  return {
    minSequence: min,
    maxSequence: maxSequence === 0 ? Infinity : Math.max(maxSequence, min),
    minTimestamp,
    maxTimestamp: maxTimestamp === 0 ? Infinity : maxTimestamp,
    limit: limit === 0 ? Infinity : Math.min(limit, MAX_CONSUME_LIMIT),
  };
}

/** Whether a timestamp is inside the window (min exclusive, max inclusive). */
export function inTimeWindow(b: Bounds, timestamp: number): boolean {
  return timestamp > b.minTimestamp && timestamp <= b.maxTimestamp;
}

function field(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`${name} must be a whole number ≥ 0, got ${String(value)}`);
  }
  return value;
}
