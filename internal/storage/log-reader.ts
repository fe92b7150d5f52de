/**
 * Reads whole records from a channel's segment files in large chunks. Bytes after the last newline
 * are never returned: a record still being written is left for a later read.
 */
import type { FileHandle } from 'node:fs/promises';
import { findSegmentIndex, type Segment } from './segments.js';

/** Why a read skipped bytes instead of returning them. */
export type SkipReason = 'gap' | 'oversized' | 'torn';

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
  /** Bytes that were passed over, when any. */
  skipped?: { from: number; to: number; reason: SkipReason };
}

/** What {@link readRecords} needs from its log. */
export interface ReadSource {
  segments: readonly Segment[];
  end: number;
  handle(segment: Segment): Promise<FileHandle>;
}

const SCAN_CHUNK = 1 << 20;

/**
 * Reads up to about `maxBytes` of whole records from `offset`. A record longer than `maxRecordBytes`
 * is skipped (`skipped.reason = 'oversized'`); an offset before the first segment jumps to it
 * (`'gap'`); an unterminated tail of a sealed segment is skipped (`'torn'`).
 */
export async function readRecords(
  source: ReadSource,
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
    const fh = await source.handle(segment);
    const wanted = Math.min(maxBytes, segmentEnd - offset);
    const buf = Buffer.allocUnsafe(wanted);
    const { bytesRead } = await fh.read(buf, 0, wanted, offset - segment.start);
    const lastNewline = buf.lastIndexOf(10, bytesRead - 1);
    if (bytesRead > 0 && lastNewline >= 0) {
      const data = buf.subarray(0, lastNewline + 1);
      return { data, start: offset, next: offset + data.length, end, ...withSkip(skipped) };
    }
    const long = await readLongRecord(fh, segment, offset, segmentEnd, maxRecordBytes);
    if (long.kind === 'record') {
      return { data: long.data, start: offset, next: offset + long.data.length, end, ...withSkip(skipped) };
    }
    if (long.kind === 'oversized') {
      return {
        data: Buffer.alloc(0),
        start: long.next,
        next: long.next,
        end,
        skipped: { from: offset, to: long.next, reason: 'oversized' },
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
}

function withSkip(skipped: ReadResult['skipped']): { skipped?: NonNullable<ReadResult['skipped']> } {
  return skipped === undefined ? {} : { skipped };
}

type LongRead =
  { kind: 'record'; data: Buffer } | { kind: 'oversized'; next: number } | { kind: 'unterminated' };

/** Finds the end of a record that did not fit in one chunk. */
async function readLongRecord(
  fh: FileHandle,
  segment: Segment,
  offset: number,
  segmentEnd: number,
  maxRecordBytes: number,
): Promise<LongRead> {
  const chunk = Buffer.allocUnsafe(SCAN_CHUNK);
  let scanned = 0;
  for (;;) {
    const position = offset + scanned;
    if (position >= segmentEnd) return { kind: 'unterminated' };
    const wanted = Math.min(SCAN_CHUNK, segmentEnd - position);
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
