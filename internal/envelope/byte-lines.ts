/**
 * Reads of envelope lines held as bytes, many lines at a time: a search that picks, among the lines
 * of a read, the few worth reading, and a line's id and time read in place.
 */
import { ID_AT, ID_PREFIX, originNeedle, ROUTE_NEEDLE, TIME_WINDOW_BYTES, TS_NEEDLE } from './format.js';
import { headerOf } from './scan.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

/**
 * Finds the lines that may have a route or a given origin, with byte searches instead of reading
 * every line. A match may be a false positive (a needle inside a payload): the line is then read
 * with {@link headerOf}; there are no false negatives.
 */
export class LineMentions {
  readonly #route = Buffer.from(ROUTE_NEEDLE);
  readonly #origin: Buffer | undefined;

  /** @param origin - the origin to look for as well, if any */
  constructor(origin?: string) {
    this.#origin = origin === undefined ? undefined : Buffer.from(originNeedle(origin));
  }

  /** The first index from `from` in `bytes` where a line may mention a route or the origin; -1 when none. */
  firstIn(bytes: Buffer, from = 0): number {
    const route = bytes.indexOf(this.#route, from);
    const origin = this.#origin === undefined ? -1 : bytes.indexOf(this.#origin, from);
    return route < 0 ? origin : origin < 0 ? route : Math.min(route, origin);
  }

  /** Whether `line` may mention a route or the origin. */
  in(line: Buffer): boolean {
    return line.includes(this.#route) || (this.#origin !== undefined && line.includes(this.#origin));
  }
}

const ID_PREFIX_BYTES = Buffer.from(ID_PREFIX);

/** The length of the ids read in place: UUIDs. */
const UUID_LENGTH = 36;

/**
 * The id of the line `lines[start, end)`: read in place when the line starts in the usual layout
 * with a UUID id, else from its header ({@link headerOf}); undefined when it is not an envelope.
 */
export function idOfLine(lines: Buffer, start: number, end: number): string | undefined {
  const idEnd = start + ID_AT + UUID_LENGTH;
  if (
    idEnd < end &&
    lines.compare(ID_PREFIX_BYTES, 0, ID_AT, start, start + ID_AT) === 0 &&
    lines[idEnd] === QUOTE &&
    isPlainAscii(lines, start + ID_AT, idEnd)
  ) {
    return lines.toString('latin1', start + ID_AT, idEnd);
  }
  return headerOf(lines.toString('utf8', start, end))?.id;
}

/** Whether `bytes[from, to)` is ASCII that a JSON string holds as it is (no quote, backslash or control). */
function isPlainAscii(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i] ?? 0;
    if (c < SPACE || c === QUOTE || c === BACKSLASH || c > 0x7e) return false;
  }
  return true;
}

const TS_NEEDLE_BYTES = Buffer.from(TS_NEEDLE);

/**
 * The time of a line (or of its head: the first {@link TIME_WINDOW_BYTES} suffice) in epoch
 * milliseconds, read from its `ts` field without parsing the line; undefined when none can be read.
 */
export function timeOfLine(line: Buffer): number | undefined {
  const at = line.subarray(0, TIME_WINDOW_BYTES).indexOf(TS_NEEDLE_BYTES);
  if (at < 0) return undefined;
  const from = at + TS_NEEDLE_BYTES.length;
  const to = line.indexOf(QUOTE, from);
  if (to < 0) return undefined;
  const time = Date.parse(line.toString('latin1', from, to));
  return Number.isNaN(time) ? undefined : time;
}
