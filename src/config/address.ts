/** `host:port` checks for listen and dial addresses (Go's `net.SplitHostPort` forms). */
import { isIPv6 } from 'node:net';

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
