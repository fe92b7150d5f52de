/** Header names and fixed values of the Durable Streams protocol as served here. */

/** Response and request header names (lower case, as node:http exposes them). */
export const H = {
  nextOffset: 'stream-next-offset',
  upToDate: 'stream-up-to-date',
  closed: 'stream-closed',
  cursor: 'stream-cursor',
  seq: 'stream-seq',
  ttl: 'stream-ttl',
  expiresAt: 'stream-expires-at',
  forkedFrom: 'stream-forked-from',
  forkOffset: 'stream-fork-offset',
  forkSubOffset: 'stream-fork-sub-offset',
  sseEncoding: 'stream-sse-data-encoding',
  producerId: 'producer-id',
  producerEpoch: 'producer-epoch',
  producerSeq: 'producer-seq',
  producerExpectedSeq: 'producer-expected-seq',
  producerReceivedSeq: 'producer-received-seq',
} as const;

/** Cache-Control of cacheable reads (catch-up and long-poll data). */
export const CACHEABLE = 'public, max-age=60, stale-while-revalidate=300';
/** Cache-Control of answers that must not be cached (HEAD, `offset=now`, empty long-polls). */
export const NO_STORE = 'no-store';

/**
 * Headers on every response under the streams prefix, errors included. A stream's content type is
 * its creator's choice (`text/html`, `image/svg+xml`): the sandbox policy keeps such content, opened
 * in a browser, from running script in the endpoint's origin, which is the console's.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
  'content-security-policy': "sandbox; default-src 'none'",
};

/** Headers a browser page of an allowed origin may read (added with its `access-control-allow-origin`). */
export const EXPOSE_HEADERS: Readonly<Record<string, string>> = {
  'access-control-expose-headers':
    'Stream-Next-Offset, Stream-Cursor, Stream-Up-To-Date, Stream-Closed, Stream-TTL, Stream-Expires-At, ' +
    'Stream-SSE-Data-Encoding, Producer-Epoch, Producer-Seq, Producer-Expected-Seq, Producer-Received-Seq, ' +
    'ETag, Location, Content-Type',
};

/** Extra headers of a CORS preflight answer. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers':
    'Content-Type, Authorization, If-None-Match, Stream-Seq, Stream-TTL, Stream-Expires-At, Stream-Closed, ' +
    'Producer-Id, Producer-Epoch, Producer-Seq, Stream-Forked-From, Stream-Fork-Offset, Stream-Fork-Sub-Offset',
  'access-control-max-age': '86400',
};

/** Whether a `Stream-Closed` value counts (exactly `true`, any case). */
export function isTrue(value: string | string[] | undefined): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'true';
}
