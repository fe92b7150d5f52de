/**
 * Reading a stream: whole records from the segment files (or the log's in-memory tail) across the
 * stream's spans, turned into messages. Control records are stepped over; a closure record in the
 * stream's own channel ends the stream there.
 */
import type { ChannelLog } from '../storage/index.js';
import type { StreamMode } from './content-type.js';
import { fail } from './errors.js';
import { MessageList } from './message-list.js';
import { parseControl, type LineScanner, type RecordScan } from './message-records.js';

/** A span with its channel log opened. */
export interface OpenSpan {
  log: ChannelLog;
  /** Scans the lines of the span's channel. */
  scanner: LineScanner;
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
  /** Called when a read passes over channel bytes `[from, to)` of `span` that hold no record. */
  noteSkipped(span: OpenSpan, skipped: SkippedBytes): void;
}

/**
 * Channel bytes a read passed over, and why (`corrupt`: a line that is not an envelope;
 * `unreadable`: a segment file that cannot be read).
 */
export interface SkippedBytes {
  from: number;
  to: number;
  reason: 'corrupt' | 'oversized' | 'torn' | 'unreadable';
}

/** Where one message sits in the stream. */
export interface MessagePosition {
  start: number;
  end: number;
}

/** How a read reports what it read. */
export interface ReadOptions {
  /** Also return the stream offset of each message ({@link StreamChunk.positions}). */
  withPositions?: boolean;
}

/** The messages of one read. */
export interface StreamChunk {
  /** The messages: JSON texts in JSON streams, the message bytes in other streams. */
  messages: MessageList;
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

/**
 * Stream offset of the first record at or after `timeMs` (by the envelopes' `ts`), or the tail when
 * there is none: the spans are searched in order (a fork's parents first), each by a binary search
 * over its channel's segments, and the first span holding such a record answers.
 */
export async function streamOffsetAtTime(source: ReadSource, timeMs: number): Promise<number> {
  for (const [index, span] of source.spans.entries()) {
    const chan = Math.max(span.from, await span.log.offsetAtTime(timeMs));
    if (chan < spanLimit(source, index)) return span.at + (chan - span.from);
  }
  return streamTail(source);
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
  options: ReadOptions = {},
): Promise<StreamChunk> {
  const { spans } = source;
  const messages = new MessageList();
  const scan: RecordScan = { kind: 'foreign', start: 0, end: 0, parsed: undefined };
  const positions: MessagePosition[] | undefined = options.withPositions === true ? [] : undefined;
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
    if (read.skipped !== undefined)
      source.noteSkipped(span, { ...read.skipped, reason: read.skipped.reason });
    if (read.data.length === 0 && read.next <= chan) break;
    const text = read.data.toString('latin1');
    let lineStart = 0;
    let closed = false;
    const base = read.start;
    while (lineStart < text.length) {
      const newline = text.indexOf('\n', lineStart);
      if (newline < 0) break;
      const recordStart = base + lineStart;
      const ok = span.scanner.scan(text, lineStart, newline, scan);
      lineStart = newline + 1;
      if (!ok) {
        source.noteSkipped(span, { from: recordStart, to: base + lineStart, reason: 'corrupt' });
        continue;
      }
      if (scan.kind === 'control') {
        if (own && parseControl(payloadText(text, scan))?.closed === true) {
          closed = true;
          source.noteClosed(base + lineStart);
          break;
        }
        continue;
      }
      addMessage(messages, source.mode, read.data, text, scan);
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
  return { messages, positions, next: pos, ownPosition };
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

const NEWLINE = Buffer.from('\n');

function payloadText(text: string, scan: RecordScan): string {
  return scan.parsed === undefined ? text.slice(scan.start, scan.end) : scan.parsed.toString('latin1');
}

/**
 * Adds the message of a scanned record: in JSON streams its payload; in other streams the bytes it
 * stands for (text and base64 payloads decoded; other payloads as their JSON text and a newline).
 */
function addMessage(
  messages: MessageList,
  mode: StreamMode,
  data: Buffer,
  text: string,
  scan: RecordScan,
): void {
  const { parsed } = scan;
  if (mode === 'json') {
    if (parsed === undefined) messages.push(data, scan.start, scan.end);
    else messages.push(parsed, 0, parsed.length);
    return;
  }
  const json = parsed ?? data.subarray(scan.start, scan.end);
  if (scan.kind === 'bytes') {
    const decoded = Buffer.from(json.toString('latin1', 1, json.length - 1), 'base64');
    messages.push(decoded, 0, decoded.length);
  } else if (scan.kind === 'text' && json.indexOf(0x5c) < 0) {
    messages.push(json, 1, json.length - 1);
  } else if (scan.kind === 'text') {
    const decoded = Buffer.from(JSON.parse(json.toString('utf8')) as string);
    messages.push(decoded, 0, decoded.length);
  } else {
    const line = Buffer.concat([json, NEWLINE]);
    messages.push(line, 0, line.length);
  }
}
