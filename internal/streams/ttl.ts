/** Stream lifetimes: header validation and expiry (a sliding idle TTL or an absolute deadline). */
import { fail } from './errors.js';

const DECIMAL = /^(0|[1-9]\d*)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses `Stream-TTL`: a plain non-negative decimal number of seconds. */
export function parseTtlSeconds(value: string): number {
  const seconds = Number(value);
  if (!DECIMAL.test(value) || !Number.isSafeInteger(seconds)) {
    throw fail.badRequest(`invalid Stream-TTL ${JSON.stringify(value)}: expected whole seconds (e.g. 3600)`);
  }
  return seconds;
}

/** Validates `Stream-Expires-At` (RFC 3339) and returns it unchanged. */
export function parseExpiresAt(value: string): string {
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw fail.badRequest(
      `invalid Stream-Expires-At ${JSON.stringify(value)}: expected an RFC 3339 timestamp`,
    );
  }
  return value;
}

/** What decides when a stream expires. */
export interface Lifetime {
  ttlSeconds?: number;
  expiresAt?: string;
}

/** Whether a stream with `lifetime`, last used at `lastAccess`, has expired at `now`. */
export function isExpired(lifetime: Lifetime, lastAccess: number, now: number): boolean {
  if (lifetime.expiresAt !== undefined && now >= Date.parse(lifetime.expiresAt)) return true;
  return lifetime.ttlSeconds !== undefined && now >= lastAccess + lifetime.ttlSeconds * 1000;
}
