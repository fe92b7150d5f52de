/** Turning read messages into response bodies. */
import type { StreamMode } from '../../streams/index.js';

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** A JSON array of JSON message texts. */
export function jsonArray(items: readonly Buffer[]): Buffer {
  if (items.length === 0) return Buffer.from('[]');
  const parts: Buffer[] = new Array<Buffer>(items.length * 2 + 1);
  let size = items.length + 1;
  parts[0] = OPEN;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? COMMA;
    parts[i * 2 + 1] = item;
    parts[i * 2 + 2] = i === items.length - 1 ? CLOSE : COMMA;
    size += item.length;
  }
  return Buffer.concat(parts, size);
}

/** The body of a read: a JSON array for JSON streams, the concatenated bytes otherwise. */
export function readBodyOf(mode: StreamMode, items: readonly Buffer[]): Buffer {
  if (mode === 'json') return jsonArray(items);
  return items.length === 1 && items[0] !== undefined ? items[0] : Buffer.concat(items);
}
