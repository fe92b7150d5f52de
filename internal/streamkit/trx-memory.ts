/** The idempotency memory of §4.3: recent trx ids and the status each produced. */
import type { SegmentStatus } from './entry.js';

/** The newest trx ids a store remembers at least. */
export const REMEMBERED_TRX = 100_000;

interface Remembered {
  space: string;
  segment: string;
  status: Promise<SegmentStatus>;
}

/** Recent transactions of a store, oldest evicted first. */
export class TrxMemory {
  readonly #byId = new Map<string, Remembered>();
  readonly #capacity: number;

  /** @param capacity - how many ids to keep */
  constructor(capacity = REMEMBERED_TRX) {
    this.#capacity = capacity;
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
    this.#byId.delete(id);
    this.#byId.set(id, { space, segment, status });
    if (this.#byId.size > this.#capacity) {
      const oldest = this.#byId.keys().next();
      if (oldest.done !== true) this.#byId.delete(oldest.value);
    }
  }

  /** Forgets `id` (its produce failed and wrote nothing). */
  forget(id: string): void {
    this.#byId.delete(id);
  }
}
