/**
 * Segment naming and listing: a channel is a folder of `%020d.jsonl` files, each named by the global
 * byte offset of its first byte.
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** One segment of a channel log. */
export interface Segment {
  /** Global offset of the segment's first byte. */
  start: number;
  /** Absolute path of the segment file. */
  path: string;
}

const SEGMENT_NAME = /^(\d{20})\.jsonl$/;

/** File name of the segment starting at `start`. */
export function segmentFileName(start: number): string {
  return `${String(start).padStart(20, '0')}.jsonl`;
}

/** The segments in `dir`, sorted by start offset; other files are ignored; a missing dir is empty. */
export async function listSegments(dir: string): Promise<Segment[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return segmentsAmong(dir, names);
}

/** {@link listSegments}, synchronously (for snapshots taken without awaiting). */
export function listSegmentsSync(dir: string): Segment[] {
  let names: string[];
  try {
    names = fsSync.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return segmentsAmong(dir, names);
}

function segmentsAmong(dir: string, names: readonly string[]): Segment[] {
  const segments: Segment[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME.exec(name);
    if (match?.[1] !== undefined) segments.push({ start: Number(match[1]), path: path.join(dir, name) });
  }
  return segments.sort((a, b) => a.start - b.start);
}

/** Index of the last segment whose start is ≤ `offset`, or -1 when `offset` precedes them all. */
export function findSegmentIndex(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seg = segments[mid];
    if (seg !== undefined && seg.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
