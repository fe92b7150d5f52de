/**
 * The envelope line's layout, spelled once: field order v, id, ts, channel, origin, payload_type,
 * correlation_id?, service_name?, route?, payload (as the Go original writes it), compact, one line.
 * The encoders write lines with {@link composeLine}; the scanner reads them with
 * {@link CANONICAL_HEADER}; no module outside this folder knows where a field sits in a line.
 */

/** The only envelope version. */
export const ENVELOPE_VERSION = 1;

/** Every field an envelope header may have, in the layout's order. */
export const HEADER_KEYS: ReadonlySet<string> = new Set(
  'v id ts channel origin payload_type correlation_id service_name route'.split(' '),
);

/**
 * `text` as one flat string. A constant built from parts is a rope in V8, and comparing a rope costs
 * several times what comparing a flat string does: constants compared on hot paths are flattened.
 */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** What every line of the usual layout starts with, up to its id's text. */
export const ID_PREFIX = flat(`{"v":${ENVELOPE_VERSION},"id":"`);
/** Where the id's text starts in a line of the usual layout. */
export const ID_AT = ID_PREFIX.length;
/** What precedes the time's text in a line: a needle that finds it. */
export const TS_NEEDLE = '"ts":"';
/** Between the id's text and the time's: `","ts":"`. */
export const AFTER_ID = flat(`",${TS_NEEDLE}`);
/**
 * How far into a line its time is looked for: the id and the time come first in every line this port
 * and Go write.
 */
export const TIME_WINDOW_BYTES = 1024;
/** What precedes the payload's JSON text in a line. */
export const PAYLOAD_KEY = ',"payload":';
/** What precedes the route's JSON text in a line. */
export const ROUTE_KEY = ',"route":';

/**
 * The optional header fields' text: `,"correlation_id":…`, `,"service_name":…`, `,"route":[…]`,
 * each only when set (an empty string or route is left out, as Go's `omitempty`).
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
 * One line (no newline): the one template of the layout, written as one template literal because it
 * is the publish path. The id, time and channel are JSON string content (escaped, without quotes);
 * origin, payload type and payload are JSON text; `optional` is {@link optionalFields}' text.
 * (Positional: called only by the two encoders, which name every part.)
 */
export function composeLine(
  idText: string,
  tsText: string,
  channelText: string,
  originJson: string,
  payloadTypeJson: string,
  optional: string,
  payloadJson: string,
): string {
  return `${ID_PREFIX}${idText}${AFTER_ID}${tsText}","channel":"${channelText}","origin":${originJson},"payload_type":${payloadTypeJson}${optional}${PAYLOAD_KEY}${payloadJson}}`;
}

/**
 * The header of a line without optional fields from the end of the time's text through
 * `,"payload":` (`","channel":…,"origin":…,"payload_type":…,"payload":`), cut from the one template.
 * The channel is JSON string content; origin and payload type are JSON text.
 */
export function headerAfterTime(channelText: string, originJson: string, payloadTypeJson: string): string {
  return composeLine('', '', channelText, originJson, payloadTypeJson, '', '').slice(
    ID_AT + AFTER_ID.length,
    -1,
  );
}

/** The body of a JSON string with nothing escaped: no quote, backslash or control character. */
const PLAIN = String.raw`[^"\\\x00-\x1f]*`;
/** A header string field, its value captured or not. */
const field = (name: string, capture: boolean): string =>
  capture ? `"${name}":"(${PLAIN})"` : `"${name}":"${PLAIN}"`;

/**
 * A header in the layout above with nothing escaped, from `{"v":1` up to and including
 * `,"payload":`. Every string excludes quotes, so nothing can backtrack and the first `,"payload":`
 * is the key. The payload type is always captured; with `all`, the id, time, channel, origin and the
 * route's strings together too.
 */
function headerPattern(all: boolean): string {
  const route = `"${PLAIN}"(?:,"${PLAIN}")*`;
  return (
    `\\{"v":${ENVELOPE_VERSION},${field('id', all)},${field('ts', all)},${field('channel', all)},` +
    `${field('origin', all)},${field('payload_type', true)}(?:,${field('correlation_id', false)})?` +
    `(?:,${field('service_name', false)})?(?:${ROUTE_KEY}\\[${all ? `(${route})` : route}\\])?${PAYLOAD_KEY}`
  );
}

/**
 * {@link headerPattern} capturing every routed-by field; sticky, so it matches where `lastIndex` says.
 * Captured: id, time, channel, origin, payload type, the route's strings together.
 */
export const CANONICAL_HEADER = new RegExp(headerPattern(true), 'y');

/** {@link headerPattern} capturing the payload type only, for bulk reads that need nothing else. */
export const HEADER_SHAPE = new RegExp(headerPattern(false), 'y');

/**
 * A byte needle found in every line with a route (and, being short, in a few more): `route":`, whose
 * first byte is rarer than `"`, so a search for it runs much faster.
 */
export const ROUTE_NEEDLE = 'route":';

/** A byte needle found in every line of payload type `payloadType` (and maybe in a few more). */
export function payloadTypeNeedle(payloadType: string): string {
  return `"payload_type":${JSON.stringify(payloadType)}`;
}

/** A byte needle found in every line whose origin is `origin` (and maybe in a few more). */
export function originNeedle(origin: string): string {
  return `"origin":${JSON.stringify(origin)}`;
}
