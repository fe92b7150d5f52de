/** Validation of the names and addresses that go into certificates. */
import { isIP } from 'node:net';

const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * True for a DNS host name (letters, digits and inner hyphens, dot-separated labels of at most 63
 * characters). Instance names must be one too: they become the certificate's DNS SAN and file names.
 */
export function isDnsName(name: string): boolean {
  return DNS_NAME.test(name);
}

/** True for an IPv4 or IPv6 address literal. */
export function isIpAddress(address: string): boolean {
  return isIP(address) !== 0;
}
