/**
 * The HTTP endpoint of a Messenger: `/healthz`, `/readyz`, and the channel conventions served over
 * HTTP (Durable Streams).
 */
import { HttpServer } from '../internal/http/index.js';
import { internalsOf } from './internal-access.js';
import type { Messenger } from './messenger.js';

/** Settings of {@link startHttpEndpoint}. */
export interface HttpEndpointOptions {
  /** `host:port`; port 0 picks a free port. */
  listenAddr: string;
  /** Serve HTTPS with these PEM contents. */
  tls?: { cert: string; key: string; ca?: string };
}

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:4437`. */
  readonly url: string;
  /** Sets what `/readyz` answers (200 when true, 503 when false); starts false. */
  setReady(ready: boolean): void;
  /** Stops accepting, ends open requests after a grace period. */
  close(): Promise<void>;
}

/** Starts the HTTP endpoint of `messenger`. */
export async function startHttpEndpoint(
  messenger: Messenger,
  options: HttpEndpointOptions,
): Promise<HttpEndpoint> {
  const internals = internalsOf(messenger);
  let ready = false;
  const server = new HttpServer({
    listenAddr: options.listenAddr,
    logger: internals.logger.child({ component: 'http' }),
    isReady: () => ready,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  const url = await server.start();
  return {
    url,
    setReady: (value) => {
      ready = value;
    },
    close: () => server.close(),
  };
}
