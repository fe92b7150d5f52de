/**
 * Server-sent events: one `data` event per read (a JSON array, UTF-8 text, or base64 for binary
 * streams), each followed by a `control` event with the next offset, the cursor and whether the
 * reader is caught up or the stream is closed. The connection ends after closure, or after the
 * configured duration so that CDNs can collapse requests (clients reconnect from the last offset).
 */
import { formatOffset, nextCursor, type Stream, type StreamChunk } from '../../streams/index.js';
import { readBodyOf } from './bodies.js';
import { clientGone, type StreamRequest } from './stream-request.js';
import { H } from './protocol.js';
import { waitAtTail } from './wait.js';

const LINE_BREAK = /\r\n|\r|\n/;

/** Streams `stream` from `from` as server-sent events. */
export async function serveSse(request: StreamRequest, stream: Stream, from: number): Promise<void> {
  const { res, opts, url } = request;
  const base64 = stream.mode === 'bytes';
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...(base64 ? { [H.sseEncoding]: 'base64' } : {}),
  });
  res.flushHeaders();
  const gone = clientGone(res);
  const clientCursor = url.searchParams.get('cursor') ?? undefined;
  const endAt = opts.clock.now() + opts.sseMaxDurationMs;
  const cursor = stream.cursorAt(from);
  let announced = false;
  while (!gone.aborted) {
    const chunk = await cursor.next(opts.readPageBytes);
    const upToDate = chunk.next === stream.tail;
    const closed = upToDate && stream.closed;
    if (chunk.messages.length > 0 || !announced || closed) {
      const data = chunk.messages.length > 0 ? dataEvent(stream, chunk) : '';
      const control = controlEvent(chunk.next, upToDate, closed, nextCursor(opts.clock.now(), clientCursor));
      announced = true;
      if (!res.write(data + control)) await drained(res, gone);
    }
    if (closed) break;
    if (!upToDate) continue;
    const left = endAt - opts.clock.now();
    if (left <= 0) break;
    const end = await waitAtTail(stream, cursor, Math.min(left, opts.longPollTimeoutMs), {
      clientGone: gone,
      closing: opts.service.closingSignal,
      clock: opts.clock,
    });
    if (end === 'closing') {
      const { socket } = res;
      res.once('finish', () => socket?.end());
    }
    if (end === 'aborted' || end === 'gone' || end === 'closing') break;
    if (end === 'timeout') announced = false;
    else stream.lastAccess = opts.clock.now();
  }
  res.end();
}

/** Resolves once the response can take more data (or the client left). */
function drained(res: StreamRequest['res'], gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      gone.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    gone.addEventListener('abort', done, { once: true });
    if (gone.aborted) done();
  });
}

function dataEvent(stream: Stream, chunk: StreamChunk): string {
  const payload = readBodyOf(stream.mode, chunk).toString(stream.mode === 'bytes' ? 'base64' : 'utf8');
  let event = 'event: data\n';
  for (const line of payload.split(LINE_BREAK)) event += `data:${line}\n`;
  return `${event}\n`;
}

function controlEvent(next: number, upToDate: boolean, closed: boolean, cursor: string): string {
  const control: Record<string, unknown> = { streamNextOffset: formatOffset(next) };
  if (closed) control['streamClosed'] = true;
  else {
    control['streamCursor'] = cursor;
    if (upToDate) control['upToDate'] = true;
  }
  return `event: control\ndata:${JSON.stringify(control)}\n\n`;
}
