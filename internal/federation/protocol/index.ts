/**
 * The federation wire protocol as a pure codec (no sockets): handshake, data frames, batching, acks and
 * close codes, byte-compatible with the Go original's WebSocket era (v0.12.0 – v1.4.1).
 */
export {
  FRAME_TARGET_BYTES,
  IN_FLIGHT_BYTES,
  MAX_BATCH_BYTES_FIELD,
  MAX_FRAMES_IN_FLIGHT,
  MAX_IN_FLIGHT_FIELD,
  MAX_ROUTE_BYTES,
  ROLE_CLIENT,
  ROLE_HUB,
  PROTOCOL_VERSION,
  SUBSCRIBE_PATTERNS_FIELD,
  decodeHandshake,
  encodeHandshake,
  frameBytesFor,
  framesInFlightOf,
  handshakeExtensions,
  maxBatchBytesOf,
} from './handshake.js';
export type { HandshakeMessage } from './handshake.js';
export { FRAME_HEADER_BYTES, decodeFrame, encodeFrame, recordTexts, type RecordTexts } from './frame.js';
export type { DecodedFrame, OversizedRecord } from './frame.js';
export { takeBatch } from './batch.js';
export type { BatchPlan } from './batch.js';
export { decodeAck, encodeAck } from './ack.js';
export type { AckMessage } from './ack.js';
export {
  CLOSE_NOT_IN_ALLOWLIST,
  CLOSE_REASON_NOT_IN_ALLOWLIST,
  CLOSE_TOO_MANY_SUBSCRIPTIONS,
} from './close-codes.js';
