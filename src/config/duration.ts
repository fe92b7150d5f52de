/**
 * Go's `time.ParseDuration` grammar (`"168h"`, `"1h30m"`, `"500ms"`, `"-1.5h"`, `"0"`), so a Go
 * config's `fed_client_offset_ttl` reads the same here; retention ages also take days (`7d`).
 */
import { DAY_MS } from './defaults.js';

const NANOSECONDS_PER_UNIT: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['\u00b5s', 1e3], // micro sign
  ['\u03bcs', 1e3], // Greek mu
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);

/** One past Go's largest duration (2^63 - 1 ns). */
const MAX_DURATION_NS = 2 ** 63;

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/** A parsed duration in milliseconds, or Go's error sentence (`time: unknown unit "d" in duration "7d"`). */
export type DurationResult = { readonly ms: number } | { readonly error: string };

/** Parses a Go duration string to milliseconds (fractions of a millisecond round away from zero). */
export function parseGoDuration(text: string): DurationResult {
  const quoted = JSON.stringify(text);
  const invalid = { error: `time: invalid duration ${quoted}` };
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ms: 0 };
  if (rest === '') return invalid;
  let totalNs = 0;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    const [whole = '', integer = '', fraction, unit = ''] = match ?? [];
    if (integer === '' && (fraction ?? '') === '') return invalid;
    if (unit === '') return { error: `time: missing unit in duration ${quoted}` };
    const unitNs = NANOSECONDS_PER_UNIT.get(unit);
    if (unitNs === undefined)
      return { error: `time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}` };
    totalNs += Number(`${integer || '0'}.${fraction ?? ''}0`) * unitNs;
    if (totalNs >= MAX_DURATION_NS) return invalid;
    rest = rest.slice(whole.length);
  }
  const ms = Math.ceil(totalNs / 1e6);
  return { ms: ms === 0 ? 0 : sign * ms };
}

const LEADING_DAYS = /^(\d+(?:\.\d*)?)d(.*)$/;

/**
 * Parses a retention age to milliseconds: `forever` (0), or a non-negative Go duration that may
 * start with whole or fractional days (`7d`, `1d12h`, `1.5d`).
 */
export function parseRetention(text: string): DurationResult {
  if (text === 'forever') return { ms: 0 };
  const days = LEADING_DAYS.exec(text);
  let ms = 0;
  let rest = text;
  if (days !== null) {
    ms = Math.ceil(Number(days[1]) * DAY_MS);
    rest = days[2] ?? '';
    if (rest === '') return { ms };
  }
  const parsed = parseGoDuration(rest);
  if (!('ms' in parsed))
    return days === null ? parsed : { error: `invalid duration ${JSON.stringify(text)}` };
  if (parsed.ms < 0) return { error: 'must not be negative' };
  return { ms: ms + parsed.ms };
}
