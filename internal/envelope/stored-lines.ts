/**
 * The lines an inbound frame stores on one channel, gathered record by record and written into one
 * buffer for a single append.
 */

const NEWLINE = 0x0a;
const NOTHING = new Uint8Array(0);

/**
 * Lines to store, each either a received record's bytes with a few bytes inserted at an offset (the
 * usual case: nothing is decoded, concatenated or re-encoded) or a line given as text.
 */
export class StoredLines {
  /** The id of every line, in order. */
  readonly ids: string[] = [];
  readonly #lines: (Uint8Array | string)[] = [];
  /** Per record line: where its insert goes in the record's bytes, and the insert. */
  readonly #cuts: number[] = [];
  readonly #inserts: Uint8Array[] = [];
  #bytes = 0;

  /** How many lines were added. */
  get count(): number {
    return this.ids.length;
  }

  /**
   * Adds `record` (without its newline) with `insert` placed before byte `cut`, e.g. a route field
   * `,"route":["hub1"]` before `,"payload":`.
   */
  addRecord(id: string, record: Uint8Array, cut: number, insert: Uint8Array): void {
    this.ids.push(id);
    this.#lines.push(record);
    this.#cuts.push(cut);
    this.#inserts.push(insert);
    this.#bytes += record.length + insert.length + 1;
  }

  /** Adds a line already encoded as text, ending with its newline. */
  addText(id: string, line: string): void {
    this.ids.push(id);
    this.#lines.push(line);
    this.#cuts.push(0);
    this.#inserts.push(NOTHING);
    this.#bytes += Buffer.byteLength(line);
  }

  /** Every line, in order, in one buffer. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.#bytes);
    let at = 0;
    for (let i = 0; i < this.#lines.length; i++) {
      const line = this.#lines[i] ?? '';
      if (typeof line === 'string') {
        at += out.write(line, at);
        continue;
      }
      // Copy the record whole, move its tail to make room, and fill the gap: no views allocated.
      const insert = this.#inserts[i] ?? NOTHING;
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
