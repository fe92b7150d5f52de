/** Durable Streams semantics on channels: metadata, offset tokens, producers, forks, TTL. */
export type { StreamMode } from './content-type.js';
export { StreamError, fail, type StreamFailure } from './errors.js';
export { nextCursor } from './live-cursor.js';
export { formatOffset, parseOffsetRequest, parseOffsetToken, type OffsetRequest } from './offset-tokens.js';
export type { ProducerClaim } from './producers.js';
export { PAYLOAD_TYPES } from './message-records.js';
export { streamsOnChannel } from './stream-meta.js';
export {
  StreamService,
  type CreateOutcome,
  type CreateRequest,
  type ForkSpec,
  type StreamEvents,
  type StreamHost,
  type StreamServiceOptions,
} from './service.js';
export { Stream, type AppendOutcome, type AppendRequest } from './stream.js';
export type { StreamChunk } from './stream-reader.js';
export type { StreamCursor } from './stream-cursor.js';
export { RESERVED_SEGMENT, channelForPath } from './stream-names.js';
export { parseExpiresAt, parseTtlSeconds } from './ttl.js';
