/**
 * The one reader of envelope lines: {@link scanLine} reads a line in the usual layout (`format.ts`:
 * fields in order, compact, nothing escaped in the header) with one regular expression instead of
 * `JSON.parse`, which costs about as much as the header is long, and tells where its parts are;
 * {@link readLine} falls back on the validating {@link parseEnvelope} for any other line.
 */
import { type Envelope, parseEnvelope } from './envelope.js';
import { CANONICAL_HEADER, HEADER_KEYS, HEADER_SHAPE, ID_AT, PAYLOAD_KEY } from './format.js';

const CLOSING_BRACE = 0x7d;
const NEWLINE = 0x0a;

/**
 * What a reader sees of an envelope line `text[start, end)`: the fields a message is routed by and
 * where its parts are. Positions are indexes into `text`: byte offsets when `text` holds one character
 * per byte (latin1, or ASCII).
 */
export interface LineView {
  readonly id: string;
  readonly ts: string;
  readonly channel: string;
  readonly origin: string;
  readonly payloadType: string;
  /** The route's names, when the line has a route (never empty). */
  readonly route: string[] | undefined;
  /** Where the id's text starts (the id is `text[idAt, idAt + id.length)`); -1 when it cannot be read in place. */
  readonly idAt: number;
  /** Where the payload's JSON text starts: it is `text[payloadAt, end - 1)`; -1 when the line was parsed. */
  readonly payloadAt: number;
  /**
   * Where one more route entry is spliced in so that the rest of the line stays as it is: before the
   * route's `]` (`,"name"`) when there is a route, before `,"payload":` (`,"route":["name"]`) when not;
   * -1 when the line must be re-encoded instead.
   */
  readonly routeInsertAt: number;
  /** Where the line ends (before its newline, if any). */
  readonly end: number;
  /** The line parsed whole, when it was ({@link readLine}'s fallback): what a re-encoding is made from. */
  readonly envelope: Envelope | undefined;
}

/**
 * Reads `text[start, end)` (one line, without its newline) when it has the usual layout and its
 * payload is valid JSON on one line; undefined for any other line, which the caller then parses whole
 * with {@link parseEnvelope} (which also says what is wrong with an invalid one). For lines from
 * peers.
 *
 * @example
 * ```ts
 * scanLine('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":[1]}');
 * // { id: 'x', …, route: undefined, idAt: 13, payloadAt: 83, routeInsertAt: 72, end: 86, … }
 * ```
 */
export function scanLine(text: string, start = 0, end = text.length): LineView | undefined {
  return scan(text, start, end, true);
}

/**
 * {@link scanLine} without checking the payload: for lines of this instance's own channels, whose
 * every line was checked (or encoded) before it was stored. The payload is `text[payloadAt, end - 1)`,
 * non-empty; a line that is not valid JSON in its payload only is passed on as it is.
 */
export function scanHeader(text: string, start = 0, end = text.length): LineView | undefined {
  return scan(text, start, end, false);
}

/** Where a line's payload starts, and its payload type: what a bulk reader needs of a line. */
export interface PayloadPlace {
  payloadType: string;
  /** The payload's JSON text is `text[payloadAt, end - 1)` (not checked, as with {@link scanHeader}). */
  payloadAt: number;
}

/**
 * {@link scanHeader}'s reading of `text[start, end)` cut down to the payload type and position, written
 * into `out` (nothing else is built): for reads of many lines of this instance's own channels. False
 * for a line not in the usual layout.
 */
export function locatePayload(text: string, start: number, end: number, out: PayloadPlace): boolean {
  if (text.charCodeAt(end - 1) !== CLOSING_BRACE) return false;
  HEADER_SHAPE.lastIndex = start;
  const match = HEADER_SHAPE.exec(text);
  const payloadAt = HEADER_SHAPE.lastIndex;
  if (match === null || payloadAt >= end - 1) return false;
  out.payloadType = match[1] ?? '';
  out.payloadAt = payloadAt;
  return true;
}

function scan(text: string, start: number, end: number, checkPayload: boolean): LineView | undefined {
  if (text.charCodeAt(end - 1) !== CLOSING_BRACE) return undefined;
  CANONICAL_HEADER.lastIndex = start;
  const match = CANONICAL_HEADER.exec(text);
  const payloadAt = CANONICAL_HEADER.lastIndex;
  if (match === null || payloadAt >= end - 1) return undefined;
  if (checkPayload && !isOneLineJson(text.slice(payloadAt, end - 1))) return undefined;
  // Indexed reads: destructuring the match would go through the array iterator, per line.
  const routeText = match[6];
  // The route's strings hold no quotes, so `","` separates them exactly.
  const route = routeText === undefined ? undefined : routeText.slice(1, -1).split('","');
  const payloadKeyAt = payloadAt - PAYLOAD_KEY.length;
  return {
    id: match[1] ?? '',
    ts: match[2] ?? '',
    channel: match[3] ?? '',
    origin: match[4] ?? '',
    payloadType: match[5] ?? '',
    route,
    idAt: start + ID_AT,
    payloadAt,
    routeInsertAt: route === undefined ? payloadKeyAt : payloadKeyAt - 1,
    end,
    envelope: undefined,
  };
}

/** Whether `json` is valid JSON holding no raw line feed (JSON whitespace, but a line break here). */
function isOneLineJson(json: string): boolean {
  if (json.includes('\n')) return false;
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a record from a peer, payload validated too: {@link scanLine}, or {@link parseEnvelope} for
 * any other layout (then `envelope` holds it). One trailing newline is tolerated (as JSON does), so
 * the payload can still be kept as it is.
 *
 * @throws MessengerError `ERR_INVALID_RECORD` when `record` is not a valid envelope.
 */
export function readLine(record: string): LineView {
  const end = record.charCodeAt(record.length - 1) === NEWLINE ? record.length - 1 : record.length;
  const view = scanLine(record, 0, end);
  if (view !== undefined) return view;
  const line = end === record.length ? record : record.slice(0, end);
  const envelope = parseEnvelope(line);
  const { id, ts, channel, origin, payload_type: payloadType, route } = envelope;
  return {
    id,
    ts,
    channel,
    origin,
    payloadType,
    route,
    idAt: -1,
    payloadAt: -1,
    // Parsed whole, only a line without a route is spliced: a route may not end before the payload.
    routeInsertAt: route === undefined ? payloadKeyOffset(line, envelope) : -1,
    end,
    envelope,
  };
}

/**
 * Where `,"payload":` starts in `line` (already parsed as `env`) when the payload is the line's last
 * field, every other field is a known header field and no raw line feed (JSON whitespace) is inside,
 * so that a field can be inserted before the payload without re-encoding anything and the result is
 * still one line; -1 for any other shape.
 */
function payloadKeyOffset(line: string, env: Envelope): number {
  if (line.charCodeAt(line.length - 1) !== CLOSING_BRACE || line.includes('\n')) return -1;
  let last = '';
  for (const key in env) {
    if (key !== 'payload' && !HEADER_KEYS.has(key)) return -1;
    last = key;
  }
  return last === 'payload' ? line.indexOf(PAYLOAD_KEY) : -1;
}

/**
 * The header of a line read from this instance's own channels: {@link scanHeader}, or the whole line
 * parsed; undefined when it is not a valid envelope.
 */
export function headerOf(line: string): Pick<LineView, 'id' | 'origin' | 'route'> | undefined {
  const view = scanHeader(line);
  if (view !== undefined) return view;
  try {
    const { id, origin, route } = parseEnvelope(line);
    return { id, origin, route };
  } catch {
    return undefined;
  }
}
