/**
 * The one reading of network addresses: `host:port` for listeners and dial targets (Go's
 * `net.SplitHostPort` forms), `Host` header names and browser origins.
 */
import { isIPv6 } from 'node:net';
import { ErrorCode, MessengerError } from '../errors/index.js';

const HOST_PORT = /^(?:\[([^\]]*)\]|([^[\]:]*)):(\d+)$/;
const HOST_NAME = /^[A-Za-z0-9._-]+$/;

/** What the address is for: a listener (empty host = every interface, port 0 = any) or a dial target. */
export type AddressUse = 'listen' | 'dial';

/**
 * Why `address` is not a usable `host:port` (`"[::1]:7740"`, `"0.0.0.0:7740"`, `":7740"` for a
 * listener), or undefined when it is.
 */
export function addressProblem(address: string, use: AddressUse): string | undefined {
  const match = HOST_PORT.exec(address);
  if (match === null) return 'must be host:port (an IPv6 host in brackets)';
  const [, bracketed, plain, port = ''] = match;
  if (bracketed !== undefined && !isIPv6(bracketed))
    return `"${bracketed}" in brackets is not an IPv6 address`;
  const host = bracketed ?? plain ?? '';
  if (bracketed === undefined && host !== '' && !HOST_NAME.test(host)) return `"${host}" is not a valid host`;
  if (use === 'dial' && host === '') return 'the host must not be empty';
  const portNumber = Number(port);
  const lowest = use === 'dial' ? 1 : 0;
  if (portNumber < lowest || portNumber > 65_535) return `port must be between ${lowest} and 65535`;
  return undefined;
}

/** A listener's host and port; an empty host means every interface (`0.0.0.0`). */
export interface ListenAddress {
  /** The host to bind (`0.0.0.0` for a `:port` address). */
  readonly host: string;
  /** The port; 0 picks a free one. */
  readonly port: number;
}

/**
 * Splits a listen address (`"127.0.0.1:7740"`, `"[::1]:0"`, `":7740"`); throws `ERR_INVALID_ARGUMENT`
 * naming the address and what is wrong with it (the same rule {@link addressProblem} states).
 */
export function parseListenAddr(address: string): ListenAddress {
  const problem = addressProblem(address, 'listen');
  const match = HOST_PORT.exec(address);
  if (problem !== undefined || match === null) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `listen address ${JSON.stringify(address)} ${problem ?? 'is not host:port'}`,
    );
  }
  const [, bracketed, plain, port] = match;
  const host = bracketed ?? plain ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port: Number(port) };
}

/** Why `host` is not a host name or IP address (as in a `Host` header, without port), or undefined. */
export function hostNameProblem(host: string): string | undefined {
  if (isIPv6(host) || HOST_NAME.test(host)) return undefined;
  return 'must be a host name or an IP address, without a port';
}

const ORIGIN = /^https?:\/\/(?:\[([^\]]*)\]|([^[\]:/]+))(?::(\d{1,5}))?$/;

/**
 * Why `origin` is not a browser origin (`https://app.example`, `http://localhost:5173`, `*` for any),
 * or undefined.
 */
export function originProblem(origin: string): string | undefined {
  if (origin === '*') return undefined;
  const match = ORIGIN.exec(origin);
  if (match === null) return 'must be scheme://host[:port] with scheme http or https and no path, or "*"';
  const [, bracketed, plain = '', port] = match;
  if (bracketed !== undefined && !isIPv6(bracketed))
    return `"${bracketed}" in brackets is not an IPv6 address`;
  if (bracketed === undefined && !HOST_NAME.test(plain)) return `"${plain}" is not a valid host`;
  if (port !== undefined && Number(port) > 65_535) return 'port must be at most 65535';
  return undefined;
}
