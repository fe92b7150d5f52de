/** What every streams request handler gets. */
import type http from 'node:http';
import type { Clock } from '../../clock/index.js';
import type { Logger } from '../../logger/index.js';
import type { StreamService } from '../../streams/index.js';
import type { AccessDecision, AccessTarget, HttpAuth } from '../auth/index.js';
import type { CorsPolicy } from '../cors.js';

/** Who may use the streams, from which browser origins, and what happens to a refusal. */
export interface StreamsAccess {
  auth: HttpAuth;
  cors: CorsPolicy;
  /** Called for each refused request (after the 401/403 is sent): log, count, audit. */
  refused(
    req: http.IncomingMessage,
    decision: Extract<AccessDecision, { allowed: false }>,
    target: AccessTarget,
  ): void;
}

/** Settings of the streams routes. */
export interface StreamsHttpOptions {
  service: StreamService;
  /** Path prefix of stream URLs, without a trailing slash (e.g. `/v1/stream`). */
  prefix: string;
  /** How long a long-poll waits for data before answering 204. */
  longPollTimeoutMs: number;
  /** Channel bytes read per response page (catch-up) or SSE event. */
  readPageBytes: number;
  /** Largest request body accepted. */
  maxAppendBytes: number;
  /** An SSE connection is closed after this long (clients reconnect), so CDNs can collapse requests. */
  sseMaxDurationMs: number;
  clock: Clock;
  logger: Logger;
  access: StreamsAccess;
}

/** One request to a stream URL. */
export interface StreamRequest {
  opts: StreamsHttpOptions;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** The stream path (decoded, `/`-separated). */
  path: string;
  /** Whether the caller may act on `target`; when not, the refusal is answered and false returned. */
  permit(target: AccessTarget): boolean;
}

/** The single value of a request header (the first, when repeated). */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const CLIENT_GONE = new Error('client went away');

/**
 * Aborts when the client goes away. Node emits `close` on the response when it is finished or the
 * connection drops; only the latter aborts, with a shared reason (an abort dispatches an event, and
 * one without a reason builds a DOMException: not worth paying after every answered live read).
 */
export function clientGone(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(CLIENT_GONE);
  });
  return controller.signal;
}

/** `http(s)://host` of the request, as the client addressed it. */
export function requestOrigin(req: http.IncomingMessage): string {
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? 'https' : 'http'}://${header(req, 'host') ?? 'localhost'}`;
}
