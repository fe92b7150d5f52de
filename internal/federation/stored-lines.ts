/**
 * The lines an inbound frame stores on one channel, gathered record by record and written into one
 * buffer for a single append.
 */

const NEWLINE = 0x0a;

/**
 * Lines to store, each either a received record's bytes with the route inserted at a byte offset
 * (the usual case: nothing is decoded, concatenated or re-encoded) or a line re-encoded as text.
 */
export class StoredLines {
  /** The id of every line, in order. */
  readonly ids: string[] = [];
  readonly #insert: Uint8Array;
  readonly #lines: (Uint8Array | string)[] = [];
  /** Per line: where `#insert` goes in the record's bytes (unused for text lines). */
  readonly #cuts: number[] = [];
  #bytes = 0;

  /** @param insert - the bytes spliced into every record line, e.g. `,"route":["hub1"]` */
  constructor(insert: Uint8Array) {
    this.#insert = insert;
  }

  /** How many lines were added. */
  get count(): number {
    return this.ids.length;
  }

  /** Adds `record` (without its newline) with the insert placed before byte `cut`. */
  addRecord(id: string, record: Uint8Array, cut: number): void {
    this.ids.push(id);
    this.#lines.push(record);
    this.#cuts.push(cut);
    this.#bytes += record.length + this.#insert.length + 1;
  }

  /** Adds a line already encoded as text, ending with its newline. */
  addText(id: string, line: string): void {
    this.ids.push(id);
    this.#lines.push(line);
    this.#cuts.push(0);
    this.#bytes += Buffer.byteLength(line);
  }

  /** Every line, in order, in one buffer. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.#bytes);
    const insert = this.#insert;
    let at = 0;
    for (let i = 0; i < this.#lines.length; i++) {
      const line = this.#lines[i] ?? '';
      if (typeof line === 'string') {
        at += out.write(line, at);
        continue;
      }
      // Copy the record whole, move its tail to make room, and fill the gap: no views allocated.
      const cut = at + (this.#cuts[i] ?? 0);
      out.set(line, at);
      out.copyWithin(cut + insert.length, cut, at + line.length);
      out.set(insert, cut);
      at += line.length + insert.length;
      out[at++] = NEWLINE;
    }
    return out;
  }
}
