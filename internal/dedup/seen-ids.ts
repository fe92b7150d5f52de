/**
 * The set of recently seen message ids, which drops federation echoes and replayed duplicates.
 */
import { LRUCache } from 'lru-cache';
import { ErrorCode, MessengerError } from '../errors/index.js';

/**
 * A bounded set of message ids with least-recently-added eviction (Go: `dedup.seen_id_lru_size`, default
 * 100 000).
 *
 * @remarks
 * {@link SeenIds.seenOrAdd} follows Go's `ContainsOrAdd`: a hit does not refresh the id's recency, so an
 * id that keeps coming back is still evicted in the order it was first added. There is no TTL; after
 * eviction or a restart a duplicate is no longer recognised.
 *
 * @example
 * ```ts
 * const seen = new SeenIds(100_000);
 * if (seen.seenOrAdd(envelope.id)) return; // duplicate
 * try { await write(envelope); } catch (err) { seen.forget(envelope.id); throw err; }
 * ```
 */
export class SeenIds {
  readonly #ids: LRUCache<string, true>;

  /**
   * @param capacity - how many ids to remember (a positive integer)
   * @throws MessengerError `ERR_INVALID_ARGUMENT` when `capacity` is not a positive integer.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `seen-id capacity must be a positive integer, got ${String(capacity)}`,
      );
    }
    this.#ids = new LRUCache<string, true>({ max: capacity, updateAgeOnHas: false });
  }

  /**
   * True when `id` was already seen (its recency is left alone); otherwise marks it as seen and returns
   * false.
   */
  seenOrAdd(id: string): boolean {
    if (this.#ids.has(id)) return true;
    this.#ids.set(id, true);
    return false;
  }

  /** Marks `id` as seen, making it the most recent entry. */
  add(id: string): void {
    this.#ids.set(id, true);
  }

  /** Removes the mark on `id`, e.g. to roll back when the local write of that message failed. */
  forget(id: string): void {
    this.#ids.delete(id);
  }

  /** True when `id` is marked as seen; does not refresh its recency. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#ids.size;
  }
}
