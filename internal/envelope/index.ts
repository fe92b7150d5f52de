/** Envelope format, ids and timestamps. */
export {
  ENVELOPE_VERSION,
  encodeEnvelope,
  encodeHeaderFields,
  parseEnvelope,
  parseEnvelopeHeader,
  PAYLOAD_KEY,
  payloadKeyOffset,
  type EnvelopeHeaderFields,
  type Envelope,
  type EnvelopeHeader,
} from './envelope.js';
export { DEAD_LETTER_PAYLOAD_TYPE, type DeadLetterPayload } from './dead-letter.js';
export { formatEpoch, formatMillis, nowTimestamp } from './timestamp.js';
export { newEnvelopeId } from './ids.js';
export { EnvelopeEncoder } from './encoder.js';
export { LineBatch } from './line-batch.js';
export { CANONICAL_ID_AT, readCanonicalLine, type CanonicalLine } from './canonical-line.js';
export { isCanonicalUuid, isRfc3339Time } from './well-formed.js';
export { routeFieldBytes, withoutRouteField } from './route-field.js';
