/**
 * Checks of an envelope's fields beyond their JSON types, for records received from peers: ids in
 * canonical UUID form, times in RFC 3339.
 */

/** Whether the character at `i` of `s` is a lowercase hex digit. */
function isLowerHex(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

const DASH = 0x2d;

/**
 * Whether `id` is a UUID in the canonical form Go and this port write (`uuid.String()`: lowercase
 * hex digits grouped 8-4-4-4-12, any version), so that one UUID cannot pass as two ids in different
 * case. Checked character by character: it runs for every received record.
 *
 * @example
 * ```ts
 * isCanonicalUuid('738a5de4-5d97-4930-8764-bb11445bb4c7'); // true
 * isCanonicalUuid('738A5DE4-5D97-4930-8764-BB11445BB4C7'); // false
 * ```
 */
export function isCanonicalUuid(id: string): boolean {
  if (id.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i) !== DASH) return false;
    } else if (!isLowerHex(id, i)) {
      return false;
    }
  }
  return true;
}

/** The value of the `count` decimal digits of `s` from `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Whether `s` has `char` (a character code) at `at`. */
function has(s: string, at: number, char: number): boolean {
  return s.charCodeAt(at) === char;
}

/**
 * Whether `ts` is a valid RFC 3339 time as Go's `time.Parse(time.RFC3339Nano, …)` accepts it:
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with a real calendar date, hours 00–23, minutes and
 * seconds 00–59, one to nine fraction digits. Checked character by character: it runs for every
 * received record.
 *
 * @example
 * ```ts
 * isRfc3339Time('2026-11-23T03:29:51.976211599Z'); // true
 * isRfc3339Time('2026-02-30T00:00:00Z'); // false
 * ```
 */
export function isRfc3339Time(ts: string): boolean {
  if (ts.length < 20 || !has(ts, 4, DASH) || !has(ts, 7, DASH) || !has(ts, 10, 0x54)) return false;
  if (!has(ts, 13, 0x3a) || !has(ts, 16, 0x3a)) return false;
  const year = digits(ts, 0, 4);
  const month = digits(ts, 5, 2);
  const day = digits(ts, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  const hour = digits(ts, 11, 2);
  const minute = digits(ts, 14, 2);
  const second = digits(ts, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let at = 19;
  if (has(ts, at, 0x2e)) {
    const start = ++at;
    while (at < ts.length && at - start < 10 && digits(ts, at, 1) >= 0) at++;
    if (at === start || at - start > 9) return false;
  }
  if (has(ts, at, 0x5a)) return at + 1 === ts.length;
  if (!has(ts, at, 0x2b) && !has(ts, at, DASH)) return false;
  if (at + 6 !== ts.length || !has(ts, at + 3, 0x3a)) return false;
  const offsetHour = digits(ts, at + 1, 2);
  const offsetMinute = digits(ts, at + 4, 2);
  return offsetHour >= 0 && offsetHour <= 23 && offsetMinute >= 0 && offsetMinute <= 59;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of `month` (1–12) in `year` of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}
