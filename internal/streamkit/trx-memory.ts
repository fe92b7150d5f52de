/** The idempotency memory of §4.3: recent trx ids and the status each produced. */
import type { SegmentStatus } from './entry.js';

/** The newest trx ids a store remembers at least. */
export const REMEMBERED_TRX = 100_000;

interface Remembered {
  space: string;
  segment: string;
  status: Promise<SegmentStatus>;
}

/**
 * Recent transactions of a store, oldest evicted first. The order is a ring of ids: evicting through
 * the map's own order (`keys().next()`) walks over every deleted slot and was measured to cost more
 * than the rest of a produce once the memory is full.
 */
export class TrxMemory {
  readonly #byId = new Map<string, Remembered>();
  readonly #ring: (string | undefined)[];
  #next = 0;

  /** @param capacity - how many ids to keep */
  constructor(capacity = REMEMBERED_TRX) {
    this.#ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** What is remembered of `id`. */
  get(id: string): Remembered | undefined {
    return this.#byId.get(id);
  }

  /** Whether `id` is remembered. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Remembers `id` (a pending produce's status promise, or a status read back from the log). */
  remember(id: string, space: string, segment: string, status: Promise<SegmentStatus>): void {
    const known = this.#byId.get(id);
    if (known !== undefined) {
      known.status = status;
      return;
    }
    const evicted = this.#ring[this.#next];
    if (evicted !== undefined) this.#byId.delete(evicted);
    this.#ring[this.#next] = id;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#byId.set(id, { space, segment, status });
  }

  /** Forgets `id` (its produce failed and wrote nothing); its ring slot frees itself later. */
  forget(id: string): void {
    this.#byId.delete(id);
  }
}
