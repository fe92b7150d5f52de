/** Reading request bodies with a size cap (chunked bodies included). */
import type http from 'node:http';
import { fail } from '../../streams/index.js';

/**
 * The whole body of `req`. A body over `maxBytes` is drained and refused (too-large), so the
 * connection stays usable.
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.once('end', () => {
      if (size > maxBytes) reject(fail.tooLarge(`body of ${size} bytes exceeds the ${maxBytes}-byte limit`));
      else resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.once('error', reject);
  });
}
