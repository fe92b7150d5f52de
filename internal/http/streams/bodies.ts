/** Turning read messages into response bodies. */
import type { StreamChunk, StreamMode } from '../../streams/index.js';

/** The body of a read: a JSON array for JSON streams, the concatenated bytes otherwise. */
export function readBodyOf(mode: StreamMode, chunk: StreamChunk): Buffer {
  return mode === 'json' ? chunk.messages.jsonArray() : chunk.messages.concat();
}
