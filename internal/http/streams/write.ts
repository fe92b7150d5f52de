/** PUT (create, fork), POST (append, close) and DELETE of a stream. */
import {
  channelForPath,
  fail,
  formatOffset,
  parseExpiresAt,
  parseTtlSeconds,
  type AppendOutcome,
  type ForkSpec,
  type ProducerClaim,
} from '../../streams/index.js';
import { header, requestOrigin, type StreamRequest } from './stream-request.js';
import { H, isTrue } from './protocol.js';
import { readBody } from './request-body.js';
import { empty, refuse } from './respond.js';

const NON_NEGATIVE = /^(0|[1-9]\d*)$/;
const DIGITS = /^\d+$/;

/** PUT: creates the stream (or a fork), or confirms an identical one. */
export async function servePut(request: StreamRequest): Promise<void> {
  const { req, res, opts } = request;
  const ttl = header(req, H.ttl);
  const expiresAt = header(req, H.expiresAt);
  const contentType = header(req, 'content-type');
  const body = await readBody(req, opts.maxAppendBytes);
  const fork = forkSpec(request);
  if (fork !== undefined && !request.permit({ right: 'read', channel: channelForPath(fork.source) })) return;
  const outcome = await opts.service.create({
    path: request.path,
    contentType: contentType === undefined || contentType.trim() === '' ? undefined : contentType.trim(),
    ttlSeconds: ttl === undefined ? undefined : parseTtlSeconds(ttl),
    expiresAt: expiresAt === undefined ? undefined : parseExpiresAt(expiresAt),
    close: isTrue(req.headers[H.closed]),
    body,
    fork,
  });
  const { stream } = outcome;
  const headers: Record<string, string> = {
    'content-type': stream.meta.contentType,
    [H.nextOffset]: formatOffset(stream.tail),
  };
  if (outcome.created) headers['location'] = `${requestOrigin(request.req)}${request.url.pathname}`;
  if (await stream.isClosedForWriters()) headers[H.closed] = 'true';
  empty(res, outcome.created ? 201 : 200, headers);
}

function forkSpec(request: StreamRequest): ForkSpec | undefined {
  const { req } = request;
  const from = header(req, H.forkedFrom);
  const offset = header(req, H.forkOffset);
  const sub = header(req, H.forkSubOffset);
  if (from === undefined) {
    if (sub !== undefined) throw fail.badRequest('Stream-Fork-Sub-Offset needs Stream-Forked-From');
    if (offset !== undefined) throw fail.badRequest('Stream-Fork-Offset needs Stream-Forked-From');
    return undefined;
  }
  if (sub !== undefined && !NON_NEGATIVE.test(sub)) {
    throw fail.badRequest(`invalid Stream-Fork-Sub-Offset ${JSON.stringify(sub)}: expected a whole number`);
  }
  const subOffset = sub === undefined ? 0 : Number(sub);
  if (!Number.isSafeInteger(subOffset)) throw fail.badRequest('Stream-Fork-Sub-Offset is too large');
  return { source: sourcePath(request, from), offset, subOffset };
}

/** The stream path named by `Stream-Forked-From`: a URL, a path under the prefix, or a bare name. */
function sourcePath(request: StreamRequest, value: string): string {
  let pathname = value;
  if (/^https?:\/\//i.test(value)) {
    try {
      pathname = new URL(value).pathname;
    } catch {
      throw fail.badRequest(`malformed Stream-Forked-From ${JSON.stringify(value)}`);
    }
  }
  const prefix = `${request.opts.prefix}/`;
  if (pathname.startsWith(prefix)) pathname = pathname.slice(prefix.length);
  else if (pathname.startsWith('/'))
    throw fail.badRequest(`Stream-Forked-From must name a stream under ${prefix}`);
  try {
    return pathname.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw fail.badRequest(`malformed Stream-Forked-From ${JSON.stringify(value)}`);
  }
}

/** POST: appends, and/or closes. */
export async function servePost(request: StreamRequest): Promise<void> {
  const { req, opts } = request;
  const producer = producerClaim(request);
  const seq = header(req, H.seq);
  const contentType = header(req, 'content-type');
  const body = await readBody(req, opts.maxAppendBytes);
  const stream = await opts.service.get(request.path, { refreshTtl: true });
  const outcome = await stream.append({
    contentType: contentType === undefined || contentType.trim() === '' ? undefined : contentType,
    body,
    close: isTrue(req.headers[H.closed]),
    seq,
    producer,
  });
  answerAppend(request, outcome, producer !== undefined && body.length > 0);
}

function producerClaim(request: StreamRequest): ProducerClaim | undefined {
  const { req } = request;
  const id = header(req, H.producerId);
  const epoch = header(req, H.producerEpoch);
  const seq = header(req, H.producerSeq);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw fail.badRequest('Producer-Id, Producer-Epoch and Producer-Seq must be sent together');
  }
  if (id === '') throw fail.badRequest('Producer-Id must not be empty');
  return { id, epoch: producerNumber('Producer-Epoch', epoch), seq: producerNumber('Producer-Seq', seq) };
}

function producerNumber(name: string, value: string): number {
  const n = Number(value);
  if (!DIGITS.test(value) || !Number.isSafeInteger(n)) {
    throw fail.badRequest(`invalid ${name} ${JSON.stringify(value)}: expected an integer from 0 to 2^53-1`);
  }
  return n;
}

function answerAppend(request: StreamRequest, outcome: AppendOutcome, producerData: boolean): void {
  const { res } = request;
  switch (outcome.kind) {
    case 'appended': {
      const headers: Record<string, string> = { [H.nextOffset]: formatOffset(outcome.next) };
      if (outcome.closed) headers[H.closed] = 'true';
      if (outcome.producer !== undefined) {
        headers[H.producerEpoch] = String(outcome.producer.epoch);
        headers[H.producerSeq] = String(outcome.producer.seq);
      }
      empty(res, producerData ? 200 : 204, headers);
      return;
    }
    case 'duplicate': {
      const headers: Record<string, string> = {
        [H.nextOffset]: formatOffset(outcome.next),
        [H.producerEpoch]: String(outcome.epoch),
        [H.producerSeq]: String(outcome.lastSeq),
      };
      if (outcome.closed) headers[H.closed] = 'true';
      empty(res, 204, headers);
      return;
    }
    case 'closed':
      refuse(res, 409, 'stream is closed', {
        [H.closed]: 'true',
        [H.nextOffset]: formatOffset(outcome.next),
      });
      return;
    case 'stale-epoch':
      refuse(res, 403, 'stale producer epoch: a newer epoch has taken over', {
        [H.producerEpoch]: String(outcome.currentEpoch),
      });
      return;
    case 'epoch-needs-seq-zero':
      refuse(res, 400, 'a new producer epoch must start at Producer-Seq 0');
      return;
    case 'producer-gap':
      refuse(res, 409, `producer sequence gap: expected ${outcome.expectedSeq}, got ${outcome.receivedSeq}`, {
        [H.producerExpectedSeq]: String(outcome.expectedSeq),
        [H.producerReceivedSeq]: String(outcome.receivedSeq),
      });
      return;
    case 'seq-conflict':
      refuse(res, 409, `Stream-Seq must be greater than the last one (${outcome.lastSeq})`);
      return;
  }
}

/** DELETE: removes the stream (softly while forks still read it). */
export async function serveDelete(request: StreamRequest): Promise<void> {
  await request.opts.service.delete(request.path);
  empty(request.res, 204);
}
