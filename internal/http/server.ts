/**
 * The node:http listener shared by health, readiness and the Durable Streams routes.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion } from 'node:tls';
import type { Logger } from '../logger/index.js';
import type { HostCheck } from './hosts.js';
import { listenerTimeoutOptions, parseListenAddr, type ListenerTimeouts } from '../net/index.js';

/** Handles a request when it is its route; returns false to let the next handler try. */
export type RouteHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => boolean | Promise<boolean>;

/** Settings of an {@link HttpServer}. */
export interface HttpServerOptions {
  /** `host:port` (port 0 picks a free port). */
  listenAddr: string;
  logger: Logger;
  /**
   * Serve HTTPS with these PEM contents, refusing protocol versions below `minVersion` (default TLS
   * 1.3). With `ca`, clients are asked for a certificate (optional: token clients have none); one
   * that verifies against `ca` identifies the client.
   */
  tls?: { cert: string; key: string; ca?: string; minVersion?: SecureVersion };
  /**
   * Requests whose `Host` it refuses get 421 (`/healthz` and `/readyz` are always answered, `/readyz`
   * without {@link readinessDetail}).
   */
  hostCheck?: HostCheck;
  /** Whether `/readyz` answers 200. */
  isReady: () => boolean;
  /** Extra state reported in the `/readyz` body (e.g. the links to hubs). */
  readinessDetail?: () => Record<string, unknown>;
  /** Limits before a request is under way; default {@link DEFAULT_HTTP_TIMEOUTS}. */
  timeouts?: Partial<ListenerTimeouts>;
  /**
   * A connection on which nothing moves, either way, for this long is closed; default
   * {@link DEFAULT_IDLE_MS}. Without it, a reader that takes nothing would hold its unsent answer (up
   * to a read page) for as long as it kept the connection open. Must exceed the longest quiet time
   * of a served request (a long-poll wait) and the keep-alive timeout (65 s).
   */
  idleMs?: number;
}

/** Default of {@link HttpServerOptions.idleMs}: two minutes. */
export const DEFAULT_IDLE_MS = 120_000;

/**
 * TLS handshake and request head within 10 s; a request body within 30 s (a 10 MiB append at about
 * 350 KB/s).
 */
export const DEFAULT_HTTP_TIMEOUTS: ListenerTimeouts = {
  tlsHandshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
};

/** An HTTP(S) server with `/healthz`, `/readyz` and pluggable routes. */
export class HttpServer {
  readonly #opts: HttpServerOptions;
  readonly #routes: RouteHandler[] = [];
  readonly #server: http.Server;
  #url: string | undefined;

  constructor(opts: HttpServerOptions) {
    this.#opts = opts;
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.#handle(req, res);
    };
    const limits = listenerTimeoutOptions({ ...DEFAULT_HTTP_TIMEOUTS, ...opts.timeouts });
    this.#server =
      opts.tls === undefined
        ? http.createServer(limits, listener)
        : https.createServer({ ...limits, ...httpsOptions(opts.tls) }, listener);
    this.#server.keepAliveTimeout = 65_000;
    // With no 'timeout' listener, node destroys the socket.
    this.#server.timeout = opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Adds a route handler; handlers are tried in the order added. */
  addRoute(handler: RouteHandler): void {
    this.#routes.push(handler);
  }

  /** The base URL (`http://host:port`); throws before {@link start}. */
  get url(): string {
    if (this.#url === undefined) throw new Error('HTTP server is not started');
    return this.#url;
  }

  /** The underlying node server (for tests and upgrades). */
  get server(): http.Server {
    return this.#server;
  }

  /**
   * Serves new connections with `tls` (a rotated certificate, key or CA); connections already open
   * keep theirs. Whether client certificates are asked for stays as started.
   *
   * @throws Error when the server was started without TLS, or `tls` is unusable (the old material
   *   then stays in force).
   */
  setTls(tls: NonNullable<HttpServerOptions['tls']>): void {
    if (!(this.#server instanceof https.Server)) throw new Error('the HTTP listener was started without TLS');
    const { requestCert: _asked, rejectUnauthorized: _verified, ...context } = httpsOptions(tls);
    this.#server.setSecureContext(context);
  }

  /** Starts listening; resolves with the base URL. */
  async start(): Promise<string> {
    const { host, port } = parseListenAddr(this.#opts.listenAddr);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    // Once listening, an error (say EMFILE on accept) costs that connection, never the process.
    this.#server.on('error', (err) => {
      this.#opts.logger.error({ err }, 'HTTP listener error');
    });
    const address = this.#server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `${this.#opts.tls === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`;
    return this.#url;
  }

  /** Stops accepting, closes idle connections, and ends the rest after `graceMs`. */
  async close(graceMs = 1_000): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    this.#server.closeIdleConnections();
    const force = setTimeout(() => {
      this.#server.closeAllConnections();
    }, graceMs);
    force.unref();
    await closed;
    clearTimeout(force);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A client gone mid-response (a reset SSE reader) must not become an unhandled 'error'.
    res.on('error', (err) => {
      this.#opts.logger.debug({ err: err.message, url: req.url }, 'HTTP response not delivered');
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/healthz') {
        plain(res, 200, 'ok\n');
        return;
      }
      const ownHost = this.#opts.hostCheck?.accepts(req.headers.host) !== false;
      if (url.pathname === '/readyz') {
        const ready = this.#opts.isReady();
        // The detail (hub addresses, errors, channel names) is not for a page on a rebound name.
        const body = JSON.stringify({ ready, ...(ownHost ? this.#opts.readinessDetail?.() : {}) });
        res.writeHead(ready ? 200 : 503, { ...COMMON_HEADERS, 'content-type': 'application/json' });
        res.end(`${body}\n`);
        return;
      }
      if (!ownHost) {
        plain(res, 421, `this endpoint does not serve host ${JSON.stringify(req.headers.host)}\n`);
        return;
      }
      for (const route of this.#routes) {
        if (await route(req, res, url)) return;
      }
      plain(res, 404, 'not found\n');
    } catch (err) {
      this.#opts.logger.error({ err, method: req.method, url: req.url }, 'HTTP request failed');
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    }
  }
}

function httpsOptions(tls: NonNullable<HttpServerOptions['tls']>): https.ServerOptions {
  const { cert, key, ca, minVersion = 'TLSv1.3' } = tls;
  if (ca === undefined) return { cert, key, minVersion };
  return { cert, key, ca, minVersion, requestCert: true, rejectUnauthorized: false };
}

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
