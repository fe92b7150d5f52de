/**
 * RFC 3339 timestamps with nanosecond digits, as Go's RFC3339Nano writes them (trailing zeros of the
 * fraction trimmed, no fraction when it is zero).
 */

const NS_PER_S = 1_000_000_000;

// Wall clock at start, split into seconds and nanoseconds, minus the monotonic clock at start: adding
// process.hrtime() later gives the wall time with nanosecond digits and no BigInt arithmetic.
const startWallMs = Date.now();
const [startHrS, startHrNs] = process.hrtime();
const baseS = Math.floor(startWallMs / 1000) - startHrS;
const baseNs = (startWallMs % 1000) * 1_000_000 - startHrNs;

let cachedSecond = -1;
let cachedPrefix = '';

function prefixOf(second: number): string {
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return cachedPrefix;
}

/** Formats seconds plus nanoseconds since the epoch as RFC3339Nano in UTC. */
export function formatEpoch(seconds: number, nanos: number): string {
  const prefix = prefixOf(seconds);
  if (nanos === 0) return `${prefix}Z`;
  let digits = String(nanos).padStart(9, '0');
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${prefix}.${digits}Z`;
}

/** The current time as RFC3339Nano in UTC (wall clock at start plus the monotonic clock since). */
export function nowTimestamp(): string {
  const [s, ns] = process.hrtime();
  let seconds = baseS + s;
  let nanos = baseNs + ns;
  if (nanos >= NS_PER_S) {
    nanos -= NS_PER_S;
    seconds++;
  } else if (nanos < 0) {
    nanos += NS_PER_S;
    seconds--;
  }
  return formatEpoch(seconds, nanos);
}

/** Formats a millisecond epoch time (from a Clock) as RFC3339Nano in UTC. */
export function formatMillis(ms: number): string {
  const whole = Math.trunc(ms);
  const seconds = Math.floor(whole / 1000);
  return formatEpoch(seconds, (whole - seconds * 1000) * 1_000_000);
}
