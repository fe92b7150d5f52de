/**
 * Forks: a new stream that shares its source's offset space up to a fork point and continues in its
 * own channel. The source's data is not copied; the fork's metadata lists the ranges of its
 * ancestors' channels it reads. A sub-offset inside a binary message is materialised as the fork's
 * first record; inside a JSON stream it moves the fork point forward by whole messages.
 */
import { fail } from './errors.js';
import { parseOffsetToken } from './offset-tokens.js';
import type { Stream } from './stream.js';
import type { StreamSpan } from './stream-meta.js';

/** Where a fork starts, and the partial message it begins with, if any. */
export interface ForkPoint {
  /** Stream offset where the fork's own data starts. */
  point: number;
  /** Bytes of the message at `point` that the fork keeps (a binary sub-offset). */
  prefix?: Buffer;
}

const WALK_BYTES = 64 * 1024;

/** Resolves `Stream-Fork-Offset` (default: the tail) and `Stream-Fork-Sub-Offset` on `source`. */
export async function resolveForkPoint(
  source: Stream,
  offsetToken: string | undefined,
  subOffset: number,
): Promise<ForkPoint> {
  let anchor = source.tail;
  if (offsetToken !== undefined) {
    const parsed = parseOffsetToken(offsetToken);
    if (parsed === undefined)
      throw fail.badRequest(`malformed Stream-Fork-Offset ${JSON.stringify(offsetToken)}`);
    if (parsed > source.tail)
      throw fail.badRequest('Stream-Fork-Offset is beyond the tail of the source stream');
    if (parsed < source.start)
      throw fail.badRequest('Stream-Fork-Offset is before the start of the source stream');
    if (!(await source.isBoundary(parsed))) {
      throw fail.badRequest('Stream-Fork-Offset is not a message boundary of the source stream');
    }
    anchor = parsed;
  }
  if (subOffset === 0) return { point: anchor };
  if (offsetToken === undefined) throw fail.badRequest('Stream-Fork-Sub-Offset needs Stream-Fork-Offset');
  return source.mode === 'json'
    ? skipMessages(source, anchor, subOffset)
    : splitMessage(source, anchor, subOffset);
}

async function skipMessages(source: Stream, anchor: number, count: number): Promise<ForkPoint> {
  let position = anchor;
  let left = count;
  for (;;) {
    const chunk = await source.read(position, WALK_BYTES, { withPositions: true });
    const positions = chunk.positions ?? [];
    if (positions.length >= left) return { point: positions[left - 1]?.end ?? position };
    left -= positions.length;
    if (chunk.next === position || chunk.next >= source.tail) {
      throw fail.badRequest('Stream-Fork-Sub-Offset is past the last message of the source stream');
    }
    position = chunk.next;
  }
}

async function splitMessage(source: Stream, anchor: number, bytes: number): Promise<ForkPoint> {
  let position = anchor;
  for (;;) {
    const chunk = await source.read(position, 1, { withPositions: true });
    const at = chunk.positions?.[0];
    if (chunk.messages.length > 0 && at !== undefined) {
      const message = chunk.messages.message(0);
      if (bytes > message.length) {
        throw fail.badRequest(
          `Stream-Fork-Sub-Offset ${bytes} is past the end of the ${message.length}-byte message`,
        );
      }
      if (bytes === message.length) return { point: at.end };
      return { point: at.start, prefix: Buffer.from(message.subarray(0, bytes)) };
    }
    if (chunk.next === position || chunk.next >= source.tail) {
      throw fail.badRequest('Stream-Fork-Sub-Offset needs a message at Stream-Fork-Offset');
    }
    position = chunk.next;
  }
}

/** The spans of a fork of `source` at `point`, continuing in `channel` from channel offset `from`. */
export function forkSpans(source: Stream, point: number, channel: string, from: number): StreamSpan[] {
  const spans: StreamSpan[] = [];
  for (const span of source.meta.spans) {
    if (span.at >= point) break;
    const end = span.to === undefined ? point : Math.min(point, span.at + (span.to - span.from));
    const to = span.from + (end - span.at);
    if (to > span.from) spans.push({ channel: span.channel, from: span.from, to, at: span.at });
  }
  spans.push({ channel, from, at: point });
  return spans;
}
