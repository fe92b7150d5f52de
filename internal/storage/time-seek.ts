/**
 * Finding the first record at or after a time: a binary search over the segments by the time of
 * each one's first record, then a scan of the one segment that can hold it. Times are the
 * envelopes' `ts` fields, in milliseconds.
 */
import { timeOfLine } from '../envelope/index.js';
import type { ReadResult } from './log-reader.js';
import type { Segment } from './segments.js';

/** What {@link offsetAtTime} needs from a log. */
export interface TimeSeekSource {
  /** The segments, oldest first. */
  readonly segments: readonly Segment[];
  /** The readable end. */
  readonly end: number;
  /** Whole records from `offset` (see ChannelLog.read). */
  read(offset: number, maxBytes: number): Promise<ReadResult>;
  /** Times of first records already read, by segment start (filled by the search). */
  readonly firstTimes: Map<number, number>;
}

/** Bytes read at a time while scanning a segment. */
const SCAN_BYTES = 256 * 1024;
/** Bytes read to find a segment's first record (a longer record is read whole). */
const FIRST_RECORD_BYTES = 4096;
const NEWLINE = 0x0a;

/**
 * The offset of the first record whose `ts` is at or after `timeMs`, or the log's end when there is
 * none. Records are taken to be in time order (a record relayed by federation keeps its origin's
 * time, so it may be a little out of order: the search then lands near it, never before the
 * segment that holds the time). A line without a readable `ts` is passed over.
 */
export async function offsetAtTime(source: TimeSeekSource, timeMs: number): Promise<number> {
  const { segments } = source;
  const first = segments[0];
  if (first === undefined) return source.end;
  // The last segment whose first record is before the time: the first record at or after it is in
  // that segment, or it is the first record of the next one.
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const segment = segments[mid];
    const time = segment === undefined ? undefined : await firstRecordTime(source, segment);
    if (time !== undefined && time < timeMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const before = segments[found];
  if (before === undefined) return first.start;
  const segmentEnd = segments[found + 1]?.start ?? source.end;
  let position = before.start;
  while (position < segmentEnd) {
    const read = await source.read(position, SCAN_BYTES);
    if (read.data.length === 0) return read.next;
    let lineStart = 0;
    while (lineStart < read.data.length) {
      const newline = read.data.indexOf(NEWLINE, lineStart);
      const line = read.data.subarray(lineStart, newline < 0 ? read.data.length : newline);
      const time = timeOfLine(line);
      if (time !== undefined && time >= timeMs) return read.start + lineStart;
      if (newline < 0) break;
      lineStart = newline + 1;
    }
    position = read.next;
  }
  return Math.min(segmentEnd, source.end);
}

/** The time of the first record of `segment` (undefined when it is empty or has no readable `ts`). */
async function firstRecordTime(source: TimeSeekSource, segment: Segment): Promise<number | undefined> {
  const known = source.firstTimes.get(segment.start);
  if (known !== undefined) return known;
  const read = await source.read(segment.start, FIRST_RECORD_BYTES);
  if (read.data.length === 0 || read.start !== segment.start) return undefined;
  const newline = read.data.indexOf(NEWLINE);
  const time = timeOfLine(read.data.subarray(0, newline < 0 ? read.data.length : newline));
  if (time !== undefined) source.firstTimes.set(segment.start, time);
  return time;
}
