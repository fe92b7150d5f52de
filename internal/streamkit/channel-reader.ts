/** Reading a space channel's lines: a range in order (rebuild, follow) or chosen lines (reads). */
import { parseEnvelope, type Envelope } from '../envelope/index.js';
import type { ChannelLog } from '../storage/index.js';
import type { Location } from './space-index.js';

const READ_BYTES = 1 << 20;
/** Lines closer than this are read in one read. */
const MERGE_GAP_BYTES = 64 * 1024;

/** A parsed line and its byte range; `env` is undefined when the line is not a valid envelope. */
export interface ChannelLine {
  env: Envelope | undefined;
  start: number;
  end: number;
}

/** Calls `onLine` for every whole line of `log` in `[from, to)`, in order. Returns where it stopped. */
export async function scanLines(
  log: ChannelLog,
  from: number,
  to: number,
  onLine: (line: ChannelLine) => void,
): Promise<number> {
  let pos = Math.max(from, log.start);
  while (pos < to) {
    const read = await log.read(pos, Math.min(READ_BYTES, to - pos));
    if (read.data.length === 0) {
      if (read.next <= pos) break;
      pos = read.next;
      continue;
    }
    let lineStart = 0;
    const { data } = read;
    while (lineStart < data.length) {
      const newline = data.indexOf(10, lineStart);
      if (newline < 0) break;
      onLine({
        env: parse(data, lineStart, newline),
        start: read.start + lineStart,
        end: read.start + newline + 1,
      });
      lineStart = newline + 1;
    }
    pos = read.start + lineStart;
  }
  return pos;
}

/** The envelopes at `locations` (in the order given; ascending offsets read best). */
export function readAt(log: ChannelLog, locations: readonly Location[]): Promise<(Envelope | undefined)[]> {
  return readEach(log, locations, parse);
}

/** The lines at `locations` as they are in the channel, without their newline (the authority's resync). */
export function readLinesAt(log: ChannelLog, locations: readonly Location[]): Promise<string[]> {
  return readEach(log, locations, (data, from, newline) => data.toString('utf8', from, newline));
}

/** `take` of each line at `locations`; nearby lines are read in one read. */
async function readEach<T>(
  log: ChannelLog,
  locations: readonly Location[],
  take: (data: Buffer, from: number, newline: number) => T,
): Promise<T[]> {
  const out: T[] = [];
  let i = 0;
  while (i < locations.length) {
    const first = locations[i];
    if (first === undefined) break;
    let last = first;
    let j = i + 1;
    for (; j < locations.length; j++) {
      const next = locations[j];
      if (next === undefined || next.start < last.end || next.start - last.end > MERGE_GAP_BYTES) break;
      if (next.end - first.start > READ_BYTES * 4) break;
      last = next;
    }
    const data = await readRange(log, first.start, last.end);
    for (let k = i; k < j; k++) {
      const loc = locations[k];
      if (loc === undefined) continue;
      out.push(take(data, loc.start - first.start, loc.end - first.start - 1));
    }
    i = j;
  }
  return out;
}

async function readRange(log: ChannelLog, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let pos = start;
  while (pos < end) {
    const read = await log.read(pos, end - pos);
    if (read.data.length === 0 || read.start !== pos) break;
    parts.push(read.data);
    pos = read.next;
  }
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
}

function parse(data: Buffer, from: number, newline: number): Envelope | undefined {
  try {
    return parseEnvelope(data.toString('utf8', from, newline));
  } catch {
    return undefined;
  }
}
