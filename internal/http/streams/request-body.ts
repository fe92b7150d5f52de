/** Reading request bodies with a size cap (chunked bodies included). */
import type http from 'node:http';
import { fail } from '../../streams/index.js';

/**
 * The whole body of `req`. A body over `maxBytes` is drained and refused (too-large), so the
 * connection stays usable.
 */
export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (size > maxBytes) throw fail.tooLarge(`body of ${size} bytes exceeds the ${maxBytes}-byte limit`);
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
}
