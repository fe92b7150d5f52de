/**
 * RFC 3339 timestamps with nanosecond digits, as Go's RFC3339Nano writes them (trailing zeros of the
 * fraction trimmed, no fraction when it is zero).
 */

const NS_PER_MS = 1_000_000n;
const epochNsAtStart = BigInt(Date.now()) * NS_PER_MS;
const hrAtStart = process.hrtime.bigint();

/** Nanoseconds since the epoch: wall clock at start plus the monotonic clock since. */
export function nowNanos(): bigint {
  return epochNsAtStart + (process.hrtime.bigint() - hrAtStart);
}

let cachedSecond = -1n;
let cachedPrefix = '';

/** Formats nanoseconds since the epoch as RFC3339Nano in UTC. */
export function formatNanos(ns: bigint): string {
  const second = ns / 1_000_000_000n;
  const frac = Number(ns - second * 1_000_000_000n);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(Number(second) * 1000).toISOString().slice(0, 19);
  }
  if (frac === 0) return `${cachedPrefix}Z`;
  const digits = String(frac).padStart(9, '0').replace(/0+$/, '');
  return `${cachedPrefix}.${digits}Z`;
}

/** The current time as RFC3339Nano in UTC. */
export function nowTimestamp(): string {
  return formatNanos(nowNanos());
}

/** Formats a millisecond epoch time (from a Clock) as RFC3339Nano in UTC. */
export function formatMillis(ms: number): string {
  return formatNanos(BigInt(Math.trunc(ms)) * NS_PER_MS);
}
