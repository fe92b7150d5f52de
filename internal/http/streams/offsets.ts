/** Resolving the `offset` query parameter against a stream. */
import { fail, parseOffsetRequest, type OffsetRequest, type Stream } from '../../streams/index.js';

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
