/**
 * The most recently committed bytes of a channel, kept in memory so that caught-up readers take fresh
 * records without touching the file.
 */

/**
 * The cache's first buffer, doubled as the window fills up to its capacity: a quiet channel's cache
 * holds at most twice the bytes it keeps.
 */
const FIRST_RING_BYTES = 4096;

/**
 * A bounded window of the newest committed bytes of one channel. The bytes are copied into one buffer
 * the cache owns (grown up to its capacity, then written round), and reads copy them out: a writer's
 * batch is garbage once committed instead of living as long as it stays in the window, which left
 * freed holes in the malloc heap that it kept (DESIGN.md §12.1).
 */
export class TailCache {
  readonly #capacity: number;
  #ring: Buffer = Buffer.alloc(0);
  /** Index in the ring of the first cached byte. */
  #head = 0;
  /** Global offset of the first cached byte. */
  #start = 0;
  #size = 0;

  /** @param capacityBytes - bytes kept at most (0 = none) */
  constructor(capacityBytes: number) {
    this.#capacity = capacityBytes;
  }

  /** Offset of the first cached byte, or undefined when empty. */
  get start(): number | undefined {
    return this.#size === 0 ? undefined : this.#start;
  }

  /**
   * Adds committed whole records starting at global offset `start` (contiguous with the previous
   * add, else the cache restarts there). The oldest bytes make room; of a write longer than the
   * capacity only its newest records that fit are kept.
   */
  add(start: number, data: Buffer): void {
    if (this.#capacity <= 0 || data.length === 0) return;
    if (this.#size > 0 && this.#start + this.#size !== start) this.clear();
    let bytes = data;
    if (bytes.length > this.#capacity) {
      this.clear();
      const newline = bytes.indexOf(10, bytes.length - this.#capacity - 1);
      if (newline < 0 || newline === bytes.length - 1) return;
      bytes = bytes.subarray(newline + 1);
      start += newline + 1;
    }
    if (this.#size === 0) {
      this.#head = 0;
      this.#start = start;
    }
    this.#makeRoom(bytes.length);
    const length = this.#ring.length;
    const at = (this.#head + this.#size) % length;
    const first = Math.min(bytes.length, length - at);
    bytes.copy(this.#ring, at, 0, first);
    if (first < bytes.length) bytes.copy(this.#ring, 0, first);
    this.#size += bytes.length;
  }

  /** Drops everything (after a truncation or a gap). */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }

  /**
   * Whole records from `offset`, about `maxBytes` at most (at least one record), or undefined when
   * `offset` is not in the cache. `offset` must be a record boundary.
   */
  read(offset: number, maxBytes: number): Buffer | undefined {
    const skip = offset - this.#start;
    if (skip < 0 || skip >= this.#size) return undefined;
    const available = this.#size - skip;
    const data = this.#copyOut(skip, Math.min(available, Math.max(1, maxBytes)));
    const lastNewline = data.lastIndexOf(10);
    if (lastNewline >= 0) return data.subarray(0, lastNewline + 1);
    const whole = this.#copyOut(skip, available);
    return whole.subarray(0, whole.indexOf(10) + 1);
  }

  /** Grows the ring (up to the capacity) or drops the oldest bytes so that `bytes` more fit. */
  #makeRoom(bytes: number): void {
    const needed = this.#size + bytes;
    if (needed > this.#ring.length && this.#ring.length < this.#capacity) {
      let length = Math.max(this.#ring.length, Math.min(FIRST_RING_BYTES, this.#capacity));
      while (length < needed && length < this.#capacity) length = Math.min(length * 2, this.#capacity);
      const ring = Buffer.allocUnsafe(length);
      this.#copyOut(0, this.#size).copy(ring);
      this.#ring = ring;
      this.#head = 0;
    }
    const overflow = needed - this.#ring.length;
    if (overflow > 0) {
      this.#head = (this.#head + overflow) % this.#ring.length;
      this.#start += overflow;
      this.#size -= overflow;
    }
  }

  /** A copy of `length` cached bytes from the `skip`-th on. */
  #copyOut(skip: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    if (length === 0) return out;
    const at = (this.#head + skip) % this.#ring.length;
    const first = Math.min(length, this.#ring.length - at);
    this.#ring.copy(out, 0, at, at + first);
    if (first < length) this.#ring.copy(out, first, 0, length - first);
    return out;
  }
}
