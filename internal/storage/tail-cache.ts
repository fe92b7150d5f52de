/**
 * The most recently committed bytes of a channel, kept in memory so that caught-up readers take fresh
 * records without touching the file.
 */

interface Chunk {
  start: number;
  data: Buffer;
}

/**
 * Put in the slot of a chunk that left the window: slots before the head are only cut off the array
 * now and then (cutting at every add would copy the array each time), and must not keep the bytes
 * of up to 64 evicted writes alive until then.
 */
const EVICTED: Chunk = { start: -1, data: Buffer.alloc(0) };

/** A bounded window of the newest committed bytes of one channel (whole records only). */
export class TailCache {
  readonly #capacity: number;
  #chunks: Chunk[] = [];
  #head = 0;
  #bytes = 0;

  /** @param capacityBytes - bytes kept at most (the newest chunk is always kept) */
  constructor(capacityBytes: number) {
    this.#capacity = capacityBytes;
  }

  /** Offset of the first cached byte, or undefined when empty. */
  get start(): number | undefined {
    return this.#chunks[this.#head]?.start;
  }

  /** Adds committed bytes starting at global offset `start` (contiguous with the previous chunk). */
  add(start: number, data: Buffer): void {
    if (this.#capacity <= 0) return;
    const last = this.#chunks[this.#chunks.length - 1];
    if (last !== undefined && last.start + last.data.length !== start) this.clear();
    this.#chunks.push({ start, data });
    this.#bytes += data.length;
    while (
      this.#bytes - (this.#chunks[this.#head]?.data.length ?? 0) >= this.#capacity &&
      this.#head < this.#chunks.length - 1
    ) {
      this.#bytes -= this.#chunks[this.#head]?.data.length ?? 0;
      this.#chunks[this.#head] = EVICTED;
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Drops everything (after a truncation or a gap). */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /**
   * Whole records from `offset`, about `maxBytes` at most (at least one record), or undefined when
   * `offset` is not in the cache. `offset` must be a record boundary.
   */
  read(offset: number, maxBytes: number): Buffer | undefined {
    const index = this.#find(offset);
    if (index < 0) return undefined;
    const parts: Buffer[] = [];
    let total = 0;
    for (let i = index; i < this.#chunks.length && total < maxBytes; i++) {
      const chunk = this.#chunks[i];
      if (chunk === undefined) break;
      let part = i === index ? chunk.data.subarray(offset - chunk.start) : chunk.data;
      if (total + part.length > maxBytes) {
        const cut = part.lastIndexOf(10, maxBytes - total - 1);
        if (cut >= 0) part = part.subarray(0, cut + 1);
        else if (total > 0) break;
        else part = part.subarray(0, part.indexOf(10) + 1);
        parts.push(part);
        total += part.length;
        break;
      }
      parts.push(part);
      total += part.length;
    }
    if (parts.length === 1) return parts[0];
    return Buffer.concat(parts, total);
  }

  #find(offset: number): number {
    let lo = this.#head;
    let hi = this.#chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.#chunks[mid];
      if (chunk === undefined) return -1;
      if (offset < chunk.start) hi = mid - 1;
      else if (offset >= chunk.start + chunk.data.length) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
