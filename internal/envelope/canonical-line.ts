/**
 * A fast reader for envelope lines of the canonical shape, the one this library and the Go original
 * write: fields in order, no whitespace, nothing escaped in the header. It reads the fields a message
 * is routed by with one regular expression instead of `JSON.parse`, which costs about as much as the
 * header is long, and checks the payload without keeping what parsing it builds.
 */
import { ENVELOPE_VERSION, PAYLOAD_KEY } from './envelope.js';

/** The body of a JSON string with nothing escaped: no quote, backslash or control character. */
const PLAIN = String.raw`[^"\\\x00-\x1f]*`;
/** A header string field, its value captured or not. */
const field = (name: string, capture: boolean): string =>
  capture ? `"${name}":"(${PLAIN})"` : `"${name}":"${PLAIN}"`;

/**
 * `{"v":1,"id":…,"ts":…,"channel":…,"origin":…,"payload_type":…` and the optional correlation id,
 * service name and a non-empty route, up to and including `,"payload":`. Captured: the id, time,
 * channel, origin and the route's strings together. Every string excludes quotes, so nothing can backtrack
 * and the first `,"payload":` is the key.
 */
const CANONICAL_HEADER = new RegExp(
  `^\\{"v":${ENVELOPE_VERSION},${field('id', true)},${field('ts', true)},${field('channel', true)},` +
    `${field('origin', true)},${field('payload_type', false)}(?:,${field('correlation_id', false)})?` +
    `(?:,${field('service_name', false)})?(?:,"route":\\[("${PLAIN}"(?:,"${PLAIN}")*)\\])?${PAYLOAD_KEY}`,
);

/** Where the id starts in a canonical line: after `{"v":1,"id":"`. */
export const CANONICAL_ID_AT = `{"v":${ENVELOPE_VERSION},"id":"`.length;

/** What {@link readCanonicalLine} reads of a line: the fields a message is routed by. */
export interface CanonicalLine {
  id: string;
  ts: string;
  channel: string;
  origin: string;
  /** The route's names, when the line has a route (never empty). */
  route: string[] | undefined;
  /**
   * Where `,"payload":` starts; the payload's JSON text follows it and ends before the last `}`. A
   * route, when there is one, ends just before it: its `]` is at `payloadKeyAt - 1`.
   */
  payloadKeyAt: number;
}

/**
 * Reads `line` (without its newline) when it has the canonical shape and its payload is valid JSON
 * with no raw line feed; undefined for any other line, which the caller then parses whole with
 * `parseEnvelope` (that also reports what is wrong with an invalid one).
 *
 * @example
 * ```ts
 * readCanonicalLine('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":[1]}');
 * // { id: 'x', ts: 't', channel: 'c', origin: 'o', route: undefined, payloadKeyAt: 72 }
 * ```
 */
export function readCanonicalLine(line: string): CanonicalLine | undefined {
  if (line.charCodeAt(line.length - 1) !== 0x7d) return undefined;
  const match = CANONICAL_HEADER.exec(line);
  if (match === null) return undefined;
  const payload = line.slice(match[0].length, -1);
  if (payload.includes('\n')) return undefined;
  try {
    JSON.parse(payload);
  } catch {
    return undefined;
  }
  const [, id = '', ts = '', channel = '', origin = '', route] = match;
  return {
    id,
    ts,
    channel,
    origin,
    // The route's strings hold no quotes, so `","` separates them exactly.
    route: route === undefined ? undefined : route.slice(1, -1).split('","'),
    payloadKeyAt: match[0].length - PAYLOAD_KEY.length,
  };
}
