/**
 * Checks of an envelope's fields beyond their JSON types, for records received from peers: ids in
 * canonical UUID form, times in RFC 3339.
 */

/** A UUID in canonical form: lowercase hex digits, grouped 8-4-4-4-12 (any version). */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `id` is a UUID in the canonical form Go and this port write (`uuid.String()`): lowercase,
 * so that one UUID cannot pass as two ids in different case.
 *
 * @example
 * ```ts
 * isCanonicalUuid('738a5de4-5d97-4930-8764-bb11445bb4c7'); // true
 * isCanonicalUuid('738A5DE4-5D97-4930-8764-BB11445BB4C7'); // false
 * ```
 */
export function isCanonicalUuid(id: string): boolean {
  return id.length === 36 && CANONICAL_UUID.test(id);
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, the fields captured as digits. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Whether `ts` is a valid RFC 3339 time as Go's `time.Parse(time.RFC3339Nano, …)` accepts it: a real
 * calendar date, hours 00–23, minutes and seconds 00–59, up to nine fraction digits, `Z` or a
 * numeric offset.
 *
 * @example
 * ```ts
 * isRfc3339Time('2026-11-23T03:29:51.976211599Z'); // true
 * isRfc3339Time('2026-02-30T00:00:00Z'); // false
 * ```
 */
export function isRfc3339Time(ts: string): boolean {
  const m = RFC3339.exec(ts);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHour = Number(m[7] ?? 0);
  const offsetMinute = Number(m[8] ?? 0);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    offsetHour < 24 &&
    offsetMinute < 60
  );
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of `month` (1–12) in `year` of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}
