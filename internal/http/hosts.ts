/**
 * Which `Host` header values the endpoint answers, against DNS rebinding: a page on an attacker's
 * name that resolves to this listener must not be served. IP literals cannot be rebound and are
 * always accepted; names must be the listen host, a localhost name (loopback listeners), or listed.
 */
import { isIP } from 'node:net';

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1` (brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isLocalhostName(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The host part of a `Host` header (`name:port`, `[v6]:port`), lower-cased, without a trailing dot. */
export function hostOfHeader(value: string): string {
  const match = /^(?:\[([^\]]*)\]|([^:]*))(?::\d*)?$/.exec(value.trim());
  const host = match === null ? value : (match[1] ?? match[2] ?? '');
  return host.toLowerCase().replace(/\.$/, '');
}

/** Decides whether a request's `Host` names this endpoint. */
export class HostCheck {
  readonly #names: ReadonlySet<string>;
  readonly #localhost: boolean;

  /**
   * @param listenHost - the host of `http.listen_addr`
   * @param allowedHosts - further accepted names (`http.allowed_hosts`)
   */
  constructor(listenHost: string, allowedHosts: readonly string[]) {
    this.#names = new Set([listenHost, ...allowedHosts].map(hostOfHeader));
    this.#localhost = isLoopbackHost(listenHost);
  }

  /** True when `header` (the `Host` value; absent on HTTP/1.0) may be served. */
  accepts(header: string | undefined): boolean {
    if (header === undefined) return true;
    const host = hostOfHeader(header);
    if (isIP(host) !== 0 || this.#names.has(host)) return true;
    return this.#localhost && isLocalhostName(host);
  }
}
