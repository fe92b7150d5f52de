/**
 * The set of recently seen message ids, which drops federation echoes and replayed duplicates.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';

/**
 * A bounded set of message ids (Go: `dedup.seen_id_lru_size`, default 100 000), kept as two
 * generations of insertion-ordered sets: ids go into the current generation; when it holds
 * `capacity` ids it becomes the previous one and the oldest generation is dropped. So the newest
 * `capacity` ids are always remembered (and at most twice that), each operation is O(1), and there is
 * no per-entry bookkeeping.
 *
 * @remarks
 * {@link SeenIds.seenOrAdd} follows Go's `ContainsOrAdd`: a hit does not refresh the id, so an id that
 * keeps coming back still ages out with the generation it was added in; {@link SeenIds.add} does
 * refresh it. There is no TTL; after eviction or a restart a duplicate is no longer recognised.
 *
 * @example
 * ```ts
 * const seen = new SeenIds(100_000);
 * if (seen.seenOrAdd(envelope.id)) return; // duplicate
 * try { await write(envelope); } catch (err) { seen.forget(envelope.id); throw err; }
 * ```
 */
export class SeenIds {
  readonly #capacity: number;
  #current = new Set<string>();
  #previous = new Set<string>();

  /** @param capacity - how many of the newest ids are always remembered (a positive integer) */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `seen-id capacity must be a positive integer, got ${String(capacity)}`,
      );
    }
    this.#capacity = capacity;
  }

  /** True when `id` was already seen (nothing changes); otherwise marks it and returns false. */
  seenOrAdd(id: string): boolean {
    if (this.#current.has(id) || this.#previous.has(id)) return true;
    this.#insert(id);
    return false;
  }

  /** Marks `id` as seen, making it one of the newest. */
  add(id: string): void {
    this.#previous.delete(id);
    this.#current.delete(id);
    this.#insert(id);
  }

  /** Removes the mark on `id`, e.g. to roll back when the local write of that message failed. */
  forget(id: string): void {
    this.#current.delete(id);
    this.#previous.delete(id);
  }

  /** True when `id` is marked as seen; does not refresh it. */
  has(id: string): boolean {
    return this.#current.has(id) || this.#previous.has(id);
  }

  /** How many ids are remembered (between `capacity` and twice that once full). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  #insert(id: string): void {
    this.#current.add(id);
    if (this.#current.size >= this.#capacity) {
      this.#previous = this.#current;
      this.#current = new Set<string>();
    }
  }
}
