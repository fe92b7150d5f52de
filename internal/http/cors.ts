/**
 * CORS for configured origins only (`http.cors_origins`): a browser page may read answers only when
 * its origin is listed (or `*` is). Nothing is allowed by default. A page of any other origin may not
 * make a change either (cross-site request forgery, see {@link CorsPolicy.foreignChange}).
 */
import type http from 'node:http';

/** Methods that change nothing: a browser page of any origin may send them (it cannot read the answer). */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Which browser origins may read the endpoint's answers. */
export class CorsPolicy {
  readonly #origins: ReadonlySet<string>;
  readonly #any: boolean;

  /** @param origins - exact origins (`https://app.example`), or `*` for any */
  constructor(origins: readonly string[]) {
    this.#origins = new Set(origins.map((origin) => origin.toLowerCase()));
    this.#any = this.#origins.has('*');
  }

  /**
   * The `access-control-allow-origin` (and `vary`) headers for `req`, or none when the request has
   * no `Origin` or it is not allowed.
   */
  headersFor(req: http.IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined) return {};
    if (this.#any) return { 'access-control-allow-origin': '*' };
    if (!this.#origins.has(origin.toLowerCase())) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  }

  /**
   * The `Origin` of a change (any method but GET, HEAD, OPTIONS) asked by a browser page of another
   * origin that is not allowed, or undefined. A browser sends a form's POST, or a fetch with a plain
   * content type, without a preflight and with the ambient credential (a client certificate; none is
   * needed on an anonymous loopback endpoint): CORS only hides the answer, the change would be made.
   * Clients that are not browsers send no `Origin`.
   */
  foreignChange(req: http.IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined || SAFE_METHODS.has(req.method ?? '')) return undefined;
    if (this.#any || this.#origins.has(origin.toLowerCase()) || isSameHost(origin, req.headers.host))
      return undefined;
    return origin;
  }
}

/**
 * Whether the page's origin names the host the request was sent to (the `Host` check already keeps
 * that to this endpoint's names). The scheme is not compared: behind a proxy that ends TLS, the
 * console's own page is `https:` while the endpoint serves plain HTTP.
 */
function isSameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host === host.toLowerCase();
}
