/**
 * RFC 3339 timestamps with nanosecond digits, as Go's RFC3339Nano writes them (trailing zeros of the
 * fraction trimmed, no fraction when it is zero).
 */

const NS_PER_MS = 1_000_000;

/**
 * The wall-clock millisecond of the last stamp, the monotonic clock when it was first seen, and its
 * text up to the millisecond digits (`2026-01-01T00:00:00.005`).
 */
let stampMs = -1;
let stampHrS = 0;
let stampHrNs = 0;
let stampText = '';

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
function formatEpoch(seconds: number, nanos: number): string {
  const prefix = prefixOf(seconds);
  if (nanos === 0) return `${prefix}Z`;
  let digits = String(nanos).padStart(9, '0');
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${prefix}.${digits}Z`;
}

/**
 * The current wall-clock time as RFC3339Nano in UTC. The millisecond is `wallMs` (the caller's
 * `Clock.now()`), so a clock step (NTP after boot) shows at once; the digits below it count the
 * monotonic time since this millisecond was first stamped (capped below 1 ms), so stamps made
 * within one millisecond still order by when they were made.
 */
export function nowTimestamp(wallMs: number): string {
  const ms = Math.trunc(wallMs);
  const [s, ns] = process.hrtime();
  if (ms !== stampMs) {
    stampMs = ms;
    stampHrS = s;
    stampHrNs = ns;
    stampText = formatMillisAnd(ms, 1).slice(0, -7);
    return formatMillis(ms);
  }
  const subMs = Math.min((s - stampHrS) * 1e9 + (ns - stampHrNs), NS_PER_MS - 1);
  if (subMs <= 0) return formatMillis(ms);
  let digits = String(subMs).padStart(6, '0');
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${stampText}${digits}Z`;
}

/** Formats a millisecond epoch time (from a Clock) as RFC3339Nano in UTC. */
export function formatMillis(ms: number): string {
  return formatMillisAnd(Math.trunc(ms), 0);
}

/** Formats whole epoch milliseconds `ms` plus `subMs` nanoseconds. */
function formatMillisAnd(ms: number, subMs: number): string {
  const seconds = Math.floor(ms / 1000);
  return formatEpoch(seconds, (ms - seconds * 1000) * NS_PER_MS + subMs);
}
