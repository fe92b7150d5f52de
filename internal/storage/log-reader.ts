/**
 * Reads whole records from a channel's segment files in large chunks. Bytes after the last newline
 * are never returned: a record still being written is left for a later read.
 */
import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import { findSegmentIndex, type Segment } from './segments.js';

/** Why a read skipped bytes instead of returning them. */
export type SkipReason = 'gap' | 'oversized' | 'torn' | 'unreadable';

/** The result of one read. */
export interface ReadResult {
  /** Whole records (each ending in `\n`), possibly empty. */
  data: Buffer;
  /** Global offset of `data[0]`: the requested offset, or later when bytes were skipped. */
  start: number;
  /** Offset to read from next. */
  next: number;
  /** The log's readable end as seen by this read. */
  end: number;
  /** Bytes that were passed over, when any (with `unreadable`, the coded error naming the segment). */
  skipped?: { from: number; to: number; reason: SkipReason; error?: MessengerError };
}

/** What {@link readRecords} needs from its log. */
export interface LogReadSource {
  segments: readonly Segment[];
  end: number;
  handle(segment: Segment): Promise<FileHandle>;
}

const SCAN_CHUNK = 1 << 20;

/**
 * Reads up to about `maxBytes` of whole records from `offset`. A record longer than `maxRecordBytes`
 * is skipped (`skipped.reason = 'oversized'`); an offset before the first segment jumps to it
 * (`'gap'`); an unterminated tail of a sealed segment is skipped (`'torn'`); a segment that cannot
 * be opened (a folder in its place) is skipped whole (`'unreadable'`).
 *
 * A sealed segment whose file is longer than the offsets its name leaves it (bytes were inserted
 * into it) is read to its real end: the records past the next segment's start are returned with
 * the one that crosses it, `next` is the next segment's start, and nothing intact is lost.
 */
export async function readRecords(
  source: LogReadSource,
  offset: number,
  maxBytes: number,
  maxRecordBytes: number,
): Promise<ReadResult> {
  const { segments, end } = source;
  let skipped: ReadResult['skipped'];
  let index = findSegmentIndex(segments, offset);
  if (index < 0) {
    const first = segments[0];
    if (first === undefined || offset >= end)
      return { data: Buffer.alloc(0), start: offset, next: offset, end };
    skipped = { from: offset, to: first.start, reason: 'gap' };
    offset = first.start;
    index = 0;
  }
  for (;;) {
    const segment = segments[index];
    if (segment === undefined)
      return { data: Buffer.alloc(0), start: offset, next: offset, end, ...withSkip(skipped) };
    const following = segments[index + 1];
    const segmentEnd = following === undefined ? end : following.start;
    if (offset >= segmentEnd) {
      if (following === undefined)
        return { data: Buffer.alloc(0), start: offset, next: offset, end, ...withSkip(skipped) };
      index++;
      offset = following.start;
      continue;
    }
    try {
      return await readInSegment(
        source,
        { segment, following, offset, segmentEnd },
        maxBytes,
        maxRecordBytes,
        skipped,
      );
    } catch (err) {
      if (!UNREADABLE_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      return unreadable(segment, offset, segmentEnd, end, err);
    }
  }
}

/** Errors that say a segment file cannot be read at all (not a passing I/O error). */
const UNREADABLE_CODES = new Set(['EISDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENXIO']);

/** Where a read starts: in `segment`, whose offsets end at `segmentEnd` (`following.start` when sealed). */
interface ReadPlace {
  segment: Segment;
  following: Segment | undefined;
  offset: number;
  segmentEnd: number;
}

/** The part of {@link readRecords} that reads one segment's file. */
async function readInSegment(
  source: LogReadSource,
  { segment, following, offset, segmentEnd }: ReadPlace,
  maxBytes: number,
  maxRecordBytes: number,
  skipped: ReadResult['skipped'],
): Promise<ReadResult> {
  const { end } = source;
  const fh = await source.handle(segment);
  const wanted = Math.min(maxBytes, segmentEnd - offset);
  const buf = Buffer.allocUnsafe(wanted);
  const { bytesRead } = await fh.read(buf, 0, wanted, offset - segment.start);
  const lastNewline = buf.lastIndexOf(10, bytesRead - 1);
  if (bytesRead > 0 && lastNewline >= 0) {
    const data = buf.subarray(0, lastNewline + 1);
    return { data, start: offset, next: offset + data.length, end, ...withSkip(skipped) };
  }
  // A sealed segment may hold more bytes than its offsets (bytes inserted): scan to its real end.
  const scanEnd = following === undefined ? segmentEnd : Infinity;
  const long = await readLongRecord(fh, segment, offset, scanEnd, maxRecordBytes);
  if (long.kind === 'record') {
    if (offset + long.data.length <= segmentEnd) {
      return { data: long.data, start: offset, next: offset + long.data.length, end, ...withSkip(skipped) };
    }
    const data = await withSurplus(fh, segment, offset, long.data);
    return { data, start: offset, next: segmentEnd, end, ...withSkip(skipped) };
  }
  if (long.kind === 'oversized') {
    const next = Math.min(long.next, segmentEnd);
    return {
      data: Buffer.alloc(0),
      start: next,
      next,
      end,
      skipped: { from: offset, to: next, reason: 'oversized' },
    };
  }
  if (following === undefined) {
    return { data: Buffer.alloc(0), start: offset, next: offset, end, ...withSkip(skipped) };
  }
  return {
    data: Buffer.alloc(0),
    start: following.start,
    next: following.start,
    end,
    skipped: { from: offset, to: following.start, reason: 'torn' },
  };
}

function withSkip(skipped: ReadResult['skipped']): { skipped?: NonNullable<ReadResult['skipped']> } {
  return skipped === undefined ? {} : { skipped };
}

/** A read result that skips the unreadable `segment`, from `offset` to `to`. */
function unreadable(segment: Segment, offset: number, to: number, end: number, err: unknown): ReadResult {
  const error = new MessengerError(
    ErrorCode.SEGMENT_UNREADABLE,
    `segment ${segment.path} cannot be read (${errorMessage(err)}); its records, offsets ${offset} to ${to}, are skipped`,
    { cause: err },
  );
  return {
    data: Buffer.alloc(0),
    start: to,
    next: to,
    end,
    skipped: { from: offset, to, reason: 'unreadable', error },
  };
}

/**
 * `record` (at `offset`, crossing the end of a sealed segment's offsets) followed by the whole
 * records after it up to the segment file's real end.
 */
async function withSurplus(
  fh: FileHandle,
  segment: Segment,
  offset: number,
  record: Buffer,
): Promise<Buffer> {
  const from = offset - segment.start + record.length;
  const { size } = await fh.stat();
  if (size <= from) return record;
  const rest = Buffer.allocUnsafe(size - from);
  const { bytesRead } = await fh.read(rest, 0, rest.length, from);
  const lastNewline = rest.lastIndexOf(10, bytesRead - 1);
  return lastNewline < 0 ? record : Buffer.concat([record, rest.subarray(0, lastNewline + 1)]);
}

type LongRead =
  { kind: 'record'; data: Buffer } | { kind: 'oversized'; next: number } | { kind: 'unterminated' };

/** Finds the end of a record that did not fit in one chunk, scanning no further than `scanEnd`. */
async function readLongRecord(
  fh: FileHandle,
  segment: Segment,
  offset: number,
  scanEnd: number,
  maxRecordBytes: number,
): Promise<LongRead> {
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
  let scanned = 0;
  for (;;) {
    const position = offset + scanned;
    if (position >= scanEnd) return { kind: 'unterminated' };
    const wanted = Math.min(SCAN_CHUNK, scanEnd - position);
    const { bytesRead } = await fh.read(chunk, 0, wanted, position - segment.start);
    if (bytesRead === 0) return { kind: 'unterminated' };
    const newline = chunk.subarray(0, bytesRead).indexOf(10);
    if (newline >= 0) {
      const length = scanned + newline + 1;
      if (length > maxRecordBytes) return { kind: 'oversized', next: offset + length };
      const data = Buffer.allocUnsafe(length);
      const { bytesRead: got } = await fh.read(data, 0, length, offset - segment.start);
      return got === length ? { kind: 'record', data } : { kind: 'unterminated' };
    }
    scanned += bytesRead;
  }
}
