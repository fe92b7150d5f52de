/**
 * The HTTP endpoint of a Messenger: `/healthz`, `/readyz`, and the channel conventions served over
 * HTTP (Durable Streams under `streamsPrefix`). The service itself (server, routes, streams) lives in
 * http-serve.ts and is loaded by the first {@link startHttpEndpoint}, so that importing the library
 * does not pay for it.
 */
import type { SecureVersion } from 'node:tls';
import type { AdminHost } from '../../internal/admin/index.js';
import type { ListenerTimeouts } from '../../internal/net/index.js';
import type { Messenger } from '../messenger.js';
import type { StreamRpc } from '../rpc.js';
import type { StreamStore } from '../streamkit.js';

/** Settings of {@link startHttpEndpoint}. */
export interface HttpEndpointOptions {
  /** `host:port`; port 0 picks a free port. */
  listenAddr: string;
  /**
   * Serve HTTPS with these PEM contents. With `ca` (the instance CA), clients may authenticate with a
   * certificate whose CN is an `http.auth.clients` name. `minVersion` defaults to `tls.min_version`.
   */
  tls?: { cert: string; key: string; ca?: string; minVersion?: SecureVersion };
  /** Path prefix of Durable Streams URLs; default `/v1/stream`. */
  streamsPrefix?: string;
  /** How long a long-poll read waits for data; default `http.long_poll_timeout_ms` of the config. */
  longPollTimeoutMs?: number;
  /**
   * Limits before a request is under way (TLS handshake, request head, request body); defaults
   * 10 s, 10 s and 30 s. A connection over a limit is closed (with 408 once HTTP has started).
   */
  timeouts?: Partial<ListenerTimeouts>;
  /**
   * The daemon's admin API; with `http.console`, the web console at `/ui/` runs its verbs on it
   * (without it, no console is served).
   */
  admin?: AdminHost;
  /**
   * What the daemon hosts beside the Messenger (its `streamkit.stores` and their request/reply),
   * shown read-only by the web console.
   */
  hosted?: { stores: readonly StreamStore[]; rpc: StreamRpc | undefined };
}

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  /** Base URL, e.g. `http://127.0.0.1:4437`. */
  readonly url: string;
  /**
   * Sets whether the daemon is up (starts false). `/readyz` answers 200 when it is and no configured
   * hub refuses this instance, 503 otherwise.
   */
  setReady(ready: boolean): void;
  /**
   * Serves new HTTPS connections with `tls` (a rotated certificate, key or CA; `minVersion` defaults
   * to `tls.min_version`); open connections keep theirs.
   *
   * @throws Error when the endpoint serves plain HTTP, or `tls` is unusable (the old material then
   *   stays in force).
   */
  reloadTls(tls: NonNullable<HttpEndpointOptions['tls']>): void;
  /** Stops accepting, answers live reads (long-poll 204, SSE ends), ends open requests after a grace period. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP endpoint of `messenger`, serving its channels as Durable Streams to the clients of
 * `http.auth` (anyone when it is not configured), browsers of `http.cors_origins`, and requests
 * whose `Host` names this endpoint.
 *
 * @throws ConfigError when `listenAddr` is not loopback and neither `http.auth` nor
 *   `http.insecure_allow_anonymous` is set, or the tokens file is unusable.
 * @example
 * const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:4437' });
 * endpoint.setReady(true);
 */
export async function startHttpEndpoint(
  messenger: Messenger,
  options: HttpEndpointOptions,
): Promise<HttpEndpoint> {
  const { serveHttpEndpoint } = await import('./http-serve.js');
  return serveHttpEndpoint(messenger, options);
}
