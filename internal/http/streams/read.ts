/** GET (catch-up and long-poll) and HEAD of a stream. */
import {
  fail,
  formatOffset,
  nextCursor,
  type Stream,
  type StreamChunk,
  type StreamCursor,
} from '../../streams/index.js';
import { readBodyOf } from './bodies.js';
import { clientGone, header, type StreamRequest } from './stream-request.js';
import { offsetParam, sinceParam, startOffset } from './offset-params.js';
import { CACHEABLE, H, NO_STORE } from './protocol.js';
import { empty, refuse } from './respond.js';
import { serveSse } from './sse.js';
import { waitAtTail } from './wait.js';

/** HEAD: the stream's metadata and tail. Does not count as a use for the TTL. */
export async function serveHead(request: StreamRequest): Promise<void> {
  const stream = await request.opts.service.get(request.path);
  const headers: Record<string, string> = {
    'content-type': stream.meta.contentType,
    [H.nextOffset]: formatOffset(stream.tail),
    'cache-control': NO_STORE,
  };
  if (stream.closed) headers[H.closed] = 'true';
  if (stream.meta.ttlSeconds !== undefined) headers[H.ttl] = String(stream.meta.ttlSeconds);
  if (stream.meta.expiresAt !== undefined) headers[H.expiresAt] = stream.meta.expiresAt;
  empty(request.res, 200, headers);
}

/** GET: catch-up, long-poll or SSE. */
export async function serveGet(request: StreamRequest): Promise<void> {
  const { url, opts } = request;
  const offset = offsetParam(url);
  const since = sinceParam(url);
  const live = url.searchParams.get('live') ?? undefined;
  if (live !== undefined && live !== 'long-poll' && live !== 'sse') {
    throw fail.badRequest(`live must be long-poll or sse, not ${JSON.stringify(live)}`);
  }
  if (since !== undefined && offset !== undefined) {
    throw fail.badRequest(
      'since and offset must not be given together: since starts a read, offset continues one',
    );
  }
  if (since !== undefined && live !== undefined) {
    throw fail.badRequest(
      `since starts a catch-up read, not live=${live}: continue from its Stream-Next-Offset`,
    );
  }
  if (live !== undefined && offset === undefined) throw fail.badRequest(`live=${live} needs an offset`);
  const stream = await opts.service.get(request.path, { refreshTtl: true });
  const from = since === undefined ? await startOffset(stream, offset) : await stream.offsetAtTime(since);
  if (live === 'sse') {
    await serveSse(request, stream, from);
    return;
  }
  if (offset?.kind === 'now' && live === undefined) {
    serveNow(request, stream);
    return;
  }
  const cursor = stream.cursorAt(from);
  let chunk = await cursor.next(opts.readPageBytes);
  if (live === 'long-poll' && chunk.messages.length === 0) {
    const waited = await longPoll(request, stream, cursor, chunk);
    if (waited === undefined) return;
    chunk = waited;
  }
  sendChunk(request, stream, from, chunk, live === 'long-poll');
}

function serveNow(request: StreamRequest, stream: Stream): void {
  const headers: Record<string, string> = {
    'content-type': stream.meta.contentType,
    [H.nextOffset]: formatOffset(stream.tail),
    [H.upToDate]: 'true',
    'cache-control': NO_STORE,
  };
  if (stream.closed) headers[H.closed] = 'true';
  request.res.writeHead(200, headers);
  request.res.end(stream.mode === 'json' ? '[]' : '');
}

/**
 * Waits at the tail until data arrives (returns it), or answers 204 itself (timeout, closure) and
 * returns undefined.
 */
async function longPoll(
  request: StreamRequest,
  stream: Stream,
  cursor: StreamCursor,
  first: StreamChunk,
): Promise<StreamChunk | undefined> {
  const { opts, res } = request;
  const deadline = opts.clock.now() + opts.longPollTimeoutMs;
  const gone = clientGone(res);
  let chunk = first;
  for (;;) {
    if (stream.closed && chunk.next === stream.tail) {
      empty(res, 204, {
        [H.nextOffset]: formatOffset(chunk.next),
        [H.upToDate]: 'true',
        [H.closed]: 'true',
        'cache-control': NO_STORE,
      });
      return undefined;
    }
    const left = deadline - opts.clock.now();
    const end =
      left <= 0
        ? 'timeout'
        : await waitAtTail(stream, cursor, left, {
            clientGone: gone,
            closing: opts.service.closingSignal,
            clock: opts.clock,
          });
    if (end === 'aborted') return undefined;
    if (end === 'gone') {
      refuse(res, stream.meta.softDeleted === true ? 410 : 404, 'stream was deleted');
      return undefined;
    }
    if (end === 'timeout' || end === 'closing') {
      empty(res, 204, {
        [H.nextOffset]: formatOffset(chunk.next),
        [H.upToDate]: 'true',
        [H.cursor]: nextCursor(opts.clock.now(), request.url.searchParams.get('cursor') ?? undefined),
        'cache-control': NO_STORE,
        ...(end === 'closing' ? { connection: 'close' } : {}),
      });
      return undefined;
    }
    stream.lastAccess = opts.clock.now();
    chunk = await cursor.next(opts.readPageBytes);
    if (chunk.messages.length > 0) return chunk;
  }
}

function sendChunk(
  request: StreamRequest,
  stream: Stream,
  from: number,
  chunk: StreamChunk,
  live: boolean,
): void {
  const { res, req, url, opts } = request;
  const upToDate = chunk.next === stream.tail;
  const closed = upToDate && stream.closed;
  const etag = `"${Buffer.from(stream.path).toString('base64url')}:${formatOffset(from)}:${formatOffset(chunk.next)}${closed ? ':c' : ''}"`;
  const headers: Record<string, string> = {
    'content-type': stream.meta.contentType,
    [H.nextOffset]: formatOffset(chunk.next),
    etag,
    'cache-control': CACHEABLE,
  };
  if (upToDate) headers[H.upToDate] = 'true';
  if (closed) headers[H.closed] = 'true';
  if (live) headers[H.cursor] = nextCursor(opts.clock.now(), url.searchParams.get('cursor') ?? undefined);
  if (header(req, 'if-none-match') === etag) {
    empty(res, 304, headers);
    return;
  }
  res.writeHead(200, headers);
  res.end(readBodyOf(stream.mode, chunk));
}
