/**
 * Reading a stream: whole records from the segment files (or the log's in-memory tail) across the
 * stream's spans, turned into messages. Control records are stepped over; a closure record in the
 * stream's own channel ends the stream there.
 */
import type { ChannelLog } from '../storage/index.js';
import type { StreamMode } from './content-type.js';
import { fail } from './errors.js';
import { classifyRecord, parseControl, recordBytes } from './records.js';

/** A span with its channel log opened. */
export interface OpenSpan {
  log: ChannelLog;
  from: number;
  to: number | undefined;
  at: number;
}

/** What a read needs to know of its stream. */
export interface ReadSource {
  /** Inherited spans, then the own span (last). */
  readonly spans: readonly OpenSpan[];
  readonly mode: StreamMode;
  /** Own-channel offset just past the closure record, when the stream is known to be closed. */
  readonly closedAt: number | undefined;
  /** Called when a read meets the closure record (own-channel offset just past it). */
  noteClosed(closedAt: number): void;
}

/** Where one message sits in the stream. */
export interface MessagePosition {
  start: number;
  end: number;
}

/** The messages of one read. */
export interface StreamChunk {
  /** JSON streams: each message's JSON text; other streams: each message's bytes. */
  items: Buffer[];
  /** Stream offset of each item, when asked for. */
  positions: MessagePosition[] | undefined;
  /** The stream offset to read from next. */
  next: number;
  /** The own-channel offset reached, when the read reached the own span. */
  ownPosition: number | undefined;
}

/** Stream offset of the first message. */
export function streamStart(source: ReadSource): number {
  return source.spans[0]?.at ?? 0;
}

/** Stream offset of the tail (just past the last visible record). */
export function streamTail(source: ReadSource): number {
  const own = ownSpan(source);
  return own.at + ((source.closedAt ?? own.log.end) - own.from);
}

/** The own span (the last one). */
export function ownSpan(source: ReadSource): OpenSpan {
  const own = source.spans[source.spans.length - 1];
  if (own === undefined) throw new Error('stream has no spans');
  return own;
}

function spanIndexOf(spans: readonly OpenSpan[], offset: number): number {
  for (let i = spans.length - 1; i >= 0; i--) {
    const span = spans[i];
    if (span !== undefined && span.at <= offset) return i;
  }
  return -1;
}

function spanLimit(source: ReadSource, index: number): number {
  const span = source.spans[index];
  if (span === undefined) return 0;
  if (index < source.spans.length - 1) return span.to ?? span.from;
  return source.closedAt ?? span.log.end;
}

/**
 * Reads about `maxBytes` of channel records from stream offset `from` (a message boundary between
 * start and tail). Returns at least one message when one exists past `from`.
 */
export async function readStream(
  source: ReadSource,
  from: number,
  maxBytes: number,
  withPositions = false,
): Promise<StreamChunk> {
  const { spans } = source;
  const items: Buffer[] = [];
  const positions: MessagePosition[] | undefined = withPositions ? [] : undefined;
  let index = spanIndexOf(spans, from);
  if (index < 0) throw fail.gone('offset is before the start of the stream');
  let pos = from;
  let budget = maxBytes;
  let ownPosition: number | undefined;
  while (index < spans.length) {
    const span = spans[index];
    if (span === undefined) break;
    const own = index === spans.length - 1;
    const limit = spanLimit(source, index);
    let chan = span.from + (pos - span.at);
    if (own) ownPosition = chan;
    if (chan >= limit || budget <= 0) {
      if (own || budget <= 0) break;
      index++;
      pos = spans[index]?.at ?? pos;
      continue;
    }
    const read = await span.log.read(chan, Math.min(budget, limit - chan));
    if (read.skipped?.reason === 'gap') throw fail.gone('offset is before the retained data of the stream');
    if (read.data.length === 0 && read.next <= chan) break;
    let lineStart = 0;
    let closed = false;
    const base = read.start;
    while (lineStart < read.data.length) {
      const newline = read.data.indexOf(10, lineStart);
      if (newline < 0) break;
      const record = classifyRecord(read.data.subarray(lineStart, newline));
      const recordStart = base + lineStart;
      lineStart = newline + 1;
      if (record === undefined) continue;
      if (record.kind === 'control') {
        if (own && parseControl(record.payload)?.closed === true) {
          closed = true;
          source.noteClosed(base + lineStart);
          break;
        }
        continue;
      }
      items.push(source.mode === 'json' ? record.payload : recordBytes(record));
      positions?.push({
        start: span.at + (recordStart - span.from),
        end: span.at + (base + lineStart - span.from),
      });
    }
    const reached = closed ? base + lineStart : read.next;
    budget -= reached - chan;
    chan = reached;
    pos = span.at + (chan - span.from);
    if (own) ownPosition = chan;
    if (closed) break;
  }
  return { items, positions, next: pos, ownPosition };
}

/**
 * Whether stream offset `offset` is a message boundary (the start of a record) within the stream.
 * One tiny read at most.
 */
export async function isBoundary(source: ReadSource, offset: number): Promise<boolean> {
  const tail = streamTail(source);
  if (offset === tail) return true;
  if (offset > tail) return false;
  const index = spanIndexOf(source.spans, offset);
  const span = source.spans[index];
  if (span === undefined) return false;
  const chan = span.from + (offset - span.at);
  if (chan === span.from) return true;
  if (chan <= span.log.start) return chan === span.log.start;
  const before = await span.log.read(chan - 1, 1);
  return before.start === chan - 1 && before.data.length === 1 && before.data[0] === 10;
}
