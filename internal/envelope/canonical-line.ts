/**
 * A fast reader for envelope lines of the canonical shape, the one this library and the Go original
 * write: fields in order, no whitespace, nothing escaped in the header. It reads the header with one
 * regular expression instead of `JSON.parse`, which costs about as much as the header is long, and
 * checks the payload without keeping what parsing it builds.
 */
import { ENVELOPE_VERSION, PAYLOAD_KEY, type EnvelopeHeaderFields } from './envelope.js';

/** The body of a JSON string with nothing escaped: no quote, backslash or control character. */
const PLAIN = String.raw`[^"\\\x00-\x1f]*`;
/** A header string field, its value captured. */
const field = (name: string): string => `"${name}":"(${PLAIN})"`;

/**
 * `{"v":1,"id":…,"ts":…,"channel":…,"origin":…,"payload_type":…` and the optional correlation id,
 * service name and route (its strings captured together), up to and including `,"payload":`.
 * Every string excludes quotes, so nothing can backtrack and the first `,"payload":` is the key.
 */
const CANONICAL_HEADER = new RegExp(
  `^\\{"v":${ENVELOPE_VERSION},${field('id')},${field('ts')},${field('channel')},${field('origin')},` +
    `${field('payload_type')}(?:,${field('correlation_id')})?(?:,${field('service_name')})?` +
    `(?:,"route":\\[((?:"${PLAIN}"(?:,"${PLAIN}")*)?)\\])?${PAYLOAD_KEY}`,
);

/** A line read by {@link readCanonicalLine}. */
export interface CanonicalLine {
  /** The header fields, as `JSON.parse` would give them. */
  header: EnvelopeHeaderFields;
  /** Where `,"payload":` starts; the payload's JSON text follows it and ends before the last `}`. */
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
 * // { header: { v: 1, id: 'x', ts: 't', channel: 'c', origin: 'o', payload_type: 'T' }, payloadKeyAt: 72 }
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
  return { header: headerOf(match), payloadKeyAt: match[0].length - PAYLOAD_KEY.length };
}

function headerOf(match: RegExpExecArray): EnvelopeHeaderFields {
  const [, id = '', ts = '', channel = '', origin = '', payloadType = '', correlationId, serviceName, route] =
    match;
  const header: EnvelopeHeaderFields = {
    v: ENVELOPE_VERSION,
    id,
    ts,
    channel,
    origin,
    payload_type: payloadType,
  };
  if (correlationId !== undefined) header.correlation_id = correlationId;
  if (serviceName !== undefined) header.service_name = serviceName;
  // The route's strings hold no quotes, so `","` separates them exactly.
  if (route !== undefined) header.route = route === '' ? [] : route.slice(1, -1).split('","');
  return header;
}
