/** Envelope format, ids and timestamps: the one owner of the envelope line's layout. */
export { ENVELOPE_VERSION } from './format.js';
export { parseEnvelope, type Envelope, type EnvelopeHeaderFields } from './envelope.js';
export {
  EnvelopeEncoder,
  encodeEnvelope,
  encodeHeaderFields,
  type EnvelopeHeader,
  type PublishedHeader,
} from './encoder.js';
export {
  headerOf,
  locatePayload,
  readLine,
  scanHeader,
  scanLine,
  type LineView,
  type PayloadPlace,
} from './scan.js';
export { idOfLine, LineMentions, timeOfLine } from './byte-lines.js';
export { payloadTypeNeedle, TIME_WINDOW_BYTES } from './format.js';
export { KnownLines, type KnownLine } from './known-lines.js';
export { RouteSplice } from './route-splice.js';
export { StoredLines } from './stored-lines.js';
export { PublishEncoder, type PublishDefaults, type PublishFields } from './publish.js';
export { DEAD_LETTER_PAYLOAD_TYPE, type DeadLetterPayload } from './dead-letter.js';
export { formatMillis, nowTimestamp } from './timestamp.js';
export { newEnvelopeId } from './ids.js';
export { LineBatch } from './line-batch.js';
export { isCanonicalUuid, isRfc3339Time } from './well-formed.js';
export { routeFieldBytes, withoutRouteField } from './route-field.js';
