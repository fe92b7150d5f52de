/**
 * The envelope line's layout, spelled once: field order v, id, ts, channel, origin, payload_type,
 * correlation_id?, service_name?, route?, payload (as the Go original writes it), compact, one line.
 * The encoder writes lines with {@link composeLine}; the scanner reads them with
 * {@link CANONICAL_HEADER}; no other module knows where a field sits in a line.
 */

/** The only envelope version. */
export const ENVELOPE_VERSION = 1;

/** Every field an envelope header may have. */
export const HEADER_KEYS: ReadonlySet<string> = new Set([
  'v',
  'id',
  'ts',
  'channel',
  'origin',
  'payload_type',
  'correlation_id',
  'service_name',
  'route',
]);

/** How every line starts, up to the id's JSON text. */
const LINE_START = `{"v":${ENVELOPE_VERSION},"id":`;
/** What precedes the payload's JSON text in a line. */
export const PAYLOAD_KEY = ',"payload":';
/** What precedes the route's JSON text in a line. */
export const ROUTE_KEY = ',"route":';
/** What every line of the usual layout starts with, up to its id's text. */
export const ID_PREFIX = `${LINE_START}"`;
/** Where the id's text starts in a line of the usual layout. */
export const ID_AT = ID_PREFIX.length;
/** What follows the id's JSON text. */
export const TS_KEY = ',"ts":';

/**
 * The header from the end of the time to the payload type's JSON text, inclusive: `,"channel":…,
 * "origin":…,"payload_type":…`. Arguments are JSON text.
 */
export function headerAfterTime(channelJson: string, originJson: string, payloadTypeJson: string): string {
  return `,"channel":${channelJson},"origin":${originJson},"payload_type":${payloadTypeJson}`;
}

/**
 * The optional header fields' text: `,"correlation_id":…`, `,"service_name":…`, `,"route":[…]`,
 * each only when set (an empty route is no route).
 */
export function optionalFields(
  correlationId: string | undefined,
  serviceName: string | undefined,
  route: readonly string[] | undefined,
): string {
  let text = '';
  if (correlationId) text += `,"correlation_id":${JSON.stringify(correlationId)}`;
  if (serviceName) text += `,"service_name":${JSON.stringify(serviceName)}`;
  if (route !== undefined && route.length > 0) text += `${ROUTE_KEY}${JSON.stringify(route)}`;
  return text;
}

/**
 * One line (no newline) from the JSON text of its id and time, the header text after the time
 * ({@link headerAfterTime}, then {@link optionalFields}) and the payload's JSON text.
 */
export function composeLine(idJson: string, tsJson: string, afterTime: string, payloadJson: string): string {
  return `${LINE_START}${idJson}${TS_KEY}${tsJson}${afterTime}${PAYLOAD_KEY}${payloadJson}}`;
}

/** The body of a JSON string with nothing escaped: no quote, backslash or control character. */
const PLAIN = String.raw`[^"\\\x00-\x1f]*`;
/** A header string field, its value captured or not. */
const field = (name: string, capture: boolean): string =>
  capture ? `"${name}":"(${PLAIN})"` : `"${name}":"${PLAIN}"`;

/**
 * A header in the layout above with nothing escaped, from `{"v":1` up to and including
 * `,"payload":`; sticky, so it matches where `lastIndex` says. Captured: id, time, channel, origin,
 * payload type and the route's strings together. Every string excludes quotes, so nothing can
 * backtrack and the first `,"payload":` is the key.
 */
export const CANONICAL_HEADER = new RegExp(
  `\\{"v":${ENVELOPE_VERSION},${field('id', true)},${field('ts', true)},${field('channel', true)},` +
    `${field('origin', true)},${field('payload_type', true)}(?:,${field('correlation_id', false)})?` +
    `(?:,${field('service_name', false)})?(?:${ROUTE_KEY}\\[("${PLAIN}"(?:,"${PLAIN}")*)\\])?${PAYLOAD_KEY}`,
  'y',
);

/**
 * A byte needle found in every line with a route (and, being short, in a few more): `route":`, whose
 * first byte is rarer than `"`, so a search for it runs much faster.
 */
export const ROUTE_NEEDLE = 'route":';

/** A byte needle found in every line whose origin is `origin` (and maybe in a few more). */
export function originNeedle(origin: string): string {
  return `"origin":${JSON.stringify(origin)}`;
}
