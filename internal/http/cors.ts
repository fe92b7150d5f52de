/**
 * CORS for configured origins only (`http.cors_origins`): a browser page may read answers only when
 * its origin is listed (or `*` is). Nothing is allowed by default.
 */
import type http from 'node:http';

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
}
