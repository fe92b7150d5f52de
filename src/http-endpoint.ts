/**
 * The HTTP endpoint of a Messenger: `/healthz`, `/readyz`, and the channel conventions served over
 * HTTP (Durable Streams under `streamsPrefix`).
 */
import path from 'node:path';
import { HttpServer, type ListenerTimeouts } from '../internal/http/index.js';
import { controlRoutes, streamsRoute } from '../internal/http/streams/index.js';
import { StreamService } from '../internal/streams/index.js';
import { SubscriptionManager } from '../internal/streams/subscriptions/index.js';
import { internalsOf } from './internal-access.js';
import type { Messenger } from './messenger.js';

/** Settings of {@link startHttpEndpoint}. */
export interface HttpEndpointOptions {
  /** `host:port`; port 0 picks a free port. */
  listenAddr: string;
  /** Serve HTTPS with these PEM contents. */
  tls?: { cert: string; key: string; ca?: string };
  /** Path prefix of Durable Streams URLs; default `/v1/stream`. */
  streamsPrefix?: string;
  /** How long a long-poll read waits for data; default `http.long_poll_timeout_ms` of the config. */
  longPollTimeoutMs?: number;
  /**
   * Limits before a request is under way (TLS handshake, request head, request body); defaults
   * 10 s, 10 s and 30 s. A connection over a limit is closed (with 408 once HTTP has started).
   */
  timeouts?: Partial<ListenerTimeouts>;
}

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:4437`. */
  readonly url: string;
  /** Sets what `/readyz` answers (200 when true, 503 when false); starts false. */
  setReady(ready: boolean): void;
  /** Stops accepting, answers live reads (long-poll 204, SSE ends), ends open requests after a grace period. */
  close(): Promise<void>;
}

const DEFAULT_STREAMS_PREFIX = '/v1/stream';
/** Largest append body (a 10 MiB body still fits one record once base64-encoded). */
const MAX_APPEND_BYTES = 10 * 1024 * 1024;
/** Channel bytes per catch-up response or SSE event. */
const READ_PAGE_BYTES = 4 * 1024 * 1024;
/** SSE connections are closed after this long; clients reconnect from the last offset. */
const SSE_MAX_DURATION_MS = 60_000;

/**
 * Starts the HTTP endpoint of `messenger`, serving its channels as Durable Streams.
 *
 * @example
 * const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:4437' });
 * endpoint.setReady(true);
 */
export async function startHttpEndpoint(
  messenger: Messenger,
  options: HttpEndpointOptions,
): Promise<HttpEndpoint> {
  const internals = internalsOf(messenger);
  const logger = internals.logger.child({ component: 'http' });
  let ready = false;
  const service = await StreamService.open({ host: internals });
  const prefix = (options.streamsPrefix ?? DEFAULT_STREAMS_PREFIX).replace(/\/+$/, '');
  const subscriptions = await SubscriptionManager.open({
    service,
    dir: path.join(internals.storage.options.dataDir, 'streams'),
    clock: internals.clock,
    logger: logger.child({ component: 'subscriptions' }),
  });
  const server = new HttpServer({
    listenAddr: options.listenAddr,
    logger,
    isReady: () => ready,
    readinessDetail: () => {
      const clients = messenger.stats().federation?.clients;
      return clients === undefined ? {} : { hubs: clients };
    },
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
  });
  server.addRoute(
    streamsRoute(
      {
        service,
        prefix,
        longPollTimeoutMs: options.longPollTimeoutMs ?? messenger.config.http.longPollTimeoutMs,
        readPageBytes: READ_PAGE_BYTES,
        maxAppendBytes: MAX_APPEND_BYTES,
        sseMaxDurationMs: SSE_MAX_DURATION_MS,
        clock: internals.clock,
        logger,
      },
      controlRoutes(subscriptions, prefix),
    ),
  );
  let url: string;
  try {
    url = await server.start();
  } catch (err) {
    await subscriptions.close();
    await service.close();
    throw err;
  }
  return {
    url,
    setReady: (value) => {
      ready = value;
    },
    close: async () => {
      await Promise.all([server.close(), subscriptions.close(), service.close()]);
    },
  };
}
