/** Resolving the `offset` query parameter (and the `since` extension) against a stream. */
import { isRfc3339Time } from '../../envelope/index.js';
import { fail, parseOffsetRequest, type OffsetRequest, type Stream } from '../../streams/index.js';

const UNIX_MS = /^\d{1,15}$/;

/**
 * The `offset` parameter of `url`: absent (undefined), or parsed. Refuses an empty value, a
 * repeated parameter and anything that is not `-1`, `now` or a token this server issues.
 */
export function offsetParam(url: URL): OffsetRequest | undefined {
  const values = url.searchParams.getAll('offset');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw fail.badRequest('offset must be given once');
  const value = values[0] ?? '';
  if (value === '') throw fail.badRequest('offset must not be empty');
  const parsed = parseOffsetRequest(value);
  if (parsed === undefined) throw fail.badRequest(`malformed offset ${JSON.stringify(value)}`);
  return parsed;
}

/** The stream offset a read starts at: validated against the stream's start, tail and boundaries. */
export async function startOffset(stream: Stream, request: OffsetRequest | undefined): Promise<number> {
  if (request === undefined || request.kind === 'beginning') return stream.start;
  if (request.kind === 'now') return stream.tail;
  const { offset } = request;
  if (offset < stream.start) throw fail.gone('offset is before the start of the stream');
  if (offset > stream.tail) throw fail.badRequest('offset is beyond the tail of the stream');
  if (!(await stream.isBoundary(offset))) throw fail.badRequest('offset is not a message boundary');
  return offset;
}

/**
 * The `since` parameter of `url` (this server's extension: start a catch-up read at the first record
 * at or after a time) in milliseconds since the epoch, or undefined when absent. Accepts an RFC 3339
 * time (a `+` in its offset percent-encoded) or whole milliseconds since the epoch.
 */
export function sinceParam(url: URL): number | undefined {
  const values = url.searchParams.getAll('since');
  if (values.length === 0) return undefined;
  if (values.length > 1) throw fail.badRequest('since must be given once');
  const value = values[0] ?? '';
  if (UNIX_MS.test(value)) return Number(value);
  const time = isRfc3339Time(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw fail.badRequest(
      `since must be an RFC 3339 time (e.g. 2026-12-05T12:00:00Z, a "+" in its offset percent-encoded) or milliseconds since the epoch, not ${JSON.stringify(value)}`,
    );
  }
  return time;
}
