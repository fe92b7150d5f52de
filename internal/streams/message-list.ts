/**
 * The messages of one read, kept as byte ranges of the buffers they were read into (no copy until
 * the response body is assembled, in one allocation).
 */

const OPEN = 0x5b;
const COMMA = 0x2c;
const CLOSE = 0x5d;

/** Messages as `[start, end)` ranges of source buffers. */
export class MessageList {
  readonly #sources: Uint8Array[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  #bytes = 0;

  /** Number of messages. */
  get length(): number {
    return this.#starts.length;
  }

  /** Total bytes of the messages. */
  get byteLength(): number {
    return this.#bytes;
  }

  /** Adds bytes `[start, end)` of `source` as one message. */
  push(source: Uint8Array, start: number, end: number): void {
    this.#sources.push(source);
    this.#starts.push(start);
    this.#ends.push(end);
    this.#bytes += end - start;
  }

  /** Message `index` (a view, not a copy). */
  message(index: number): Buffer {
    const source = this.#sources[index];
    if (source === undefined) throw new RangeError(`no message ${index}`);
    return Buffer.from(
      source.buffer,
      source.byteOffset + (this.#starts[index] ?? 0),
      this.#byteLengthOf(index),
    );
  }

  /** The messages one after another. */
  concat(): Buffer {
    const out = Buffer.allocUnsafe(this.#bytes);
    let position = 0;
    for (let i = 0; i < this.#starts.length; i++) position += this.#copy(i, out, position);
    return out;
  }

  /** The messages (JSON texts) as one JSON array. */
  jsonArray(): Buffer {
    const count = this.#starts.length;
    const out = Buffer.allocUnsafe(this.#bytes + Math.max(count - 1, 0) + 2);
    let position = 0;
    out[position++] = OPEN;
    for (let i = 0; i < count; i++) {
      if (i > 0) out[position++] = COMMA;
      position += this.#copy(i, out, position);
    }
    out[position] = CLOSE;
    return out;
  }

  #byteLengthOf(index: number): number {
    return (this.#ends[index] ?? 0) - (this.#starts[index] ?? 0);
  }

  #copy(index: number, out: Buffer, position: number): number {
    const source = this.#sources[index];
    const start = this.#starts[index] ?? 0;
    const end = this.#ends[index] ?? 0;
    if (source !== undefined) out.set(source.subarray(start, end), position);
    return end - start;
  }
}
