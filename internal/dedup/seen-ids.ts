/**
 * The set of recently seen message ids, which drops federation echoes and replayed duplicates.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';
import { newUuidKey, readUuidKey, readUuidKeyAt, type UuidKey } from './uuid-key.js';
import { UuidTable } from './uuid-table.js';

/**
 * A bounded set of message ids (Go: `dedup.seen_id_lru_size`, default 100 000), kept as two
 * generations: ids go into the current generation; when it holds
 * `capacity` ids it becomes the previous one and the oldest generation is dropped. So the newest
 * `capacity` ids are always remembered (and at most twice that), each operation is O(1), and there is
 * no per-entry bookkeeping. Ids in canonical lowercase UUID form (what Go and this port generate)
 * are held as 128-bit keys in a typed hash table rather than as strings: a lookup costs about one
 * cache miss instead of several, and the garbage collector has 200 000 fewer strings to trace.
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
  #current = new Generation();
  #previous = new Generation();
  readonly #key = newUuidKey();

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

  /**
   * True when `id` was already seen (nothing changes); otherwise marks it and returns false. When the
   * caller has `id` as ASCII bytes (`bytes[at, at + id.length)`, e.g. in a received record), passing
   * them saves decoding the string.
   */
  seenOrAdd(id: string, bytes?: Uint8Array, at = 0): boolean {
    const key = bytes === undefined ? this.#keyOf(id) : this.#keyAt(id, bytes, at);
    if (this.#previous.has(id, key) || !this.#current.addIfAbsent(id, key)) return true;
    this.#rotateWhenFull();
    return false;
  }

  /** Marks `id` as seen, making it one of the newest. */
  add(id: string): void {
    const key = this.#keyOf(id);
    this.#previous.delete(id, key);
    this.#current.delete(id, key);
    this.#current.addIfAbsent(id, key);
    this.#rotateWhenFull();
  }

  /** Removes the mark on `id`, e.g. to roll back when the local write of that message failed. */
  forget(id: string): void {
    const key = this.#keyOf(id);
    this.#current.delete(id, key);
    this.#previous.delete(id, key);
  }

  /** True when `id` is marked as seen; does not refresh it. */
  has(id: string): boolean {
    const key = this.#keyOf(id);
    return this.#current.has(id, key) || this.#previous.has(id, key);
  }

  /** How many ids are remembered (between `capacity` and twice that once full). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  /** `id` read as a UUID key (in a buffer reused by every call), or undefined when it is not one. */
  #keyOf(id: string): UuidKey | undefined {
    return readUuidKey(id, this.#key) ? this.#key : undefined;
  }

  /** {@link SeenIds.#keyOf} for `id` given as its ASCII bytes `bytes[at, at + id.length)`. */
  #keyAt(id: string, bytes: Uint8Array, at: number): UuidKey | undefined {
    return id.length === 36 && readUuidKeyAt(bytes, at, this.#key) ? this.#key : undefined;
  }

  /** Once the current generation holds `capacity` ids, it becomes the previous one. */
  #rotateWhenFull(): void {
    if (this.#current.size >= this.#capacity) {
      this.#previous = this.#current;
      this.#current = new Generation(this.#previous.uuids.slots);
    }
  }
}

/** The ids added during one generation: UUIDs as keys in a typed table, any other id as a string. */
class Generation {
  readonly uuids: UuidTable;
  readonly #others = new Set<string>();

  constructor(slots?: number) {
    this.uuids = new UuidTable(slots);
  }

  get size(): number {
    return this.uuids.size + this.#others.size;
  }

  /** `key` is `id` read as a UUID key, or undefined when `id` is not one. */
  has(id: string, key: UuidKey | undefined): boolean {
    return key === undefined ? this.#others.has(id) : this.uuids.has(key);
  }

  /** Adds `id` unless it is held; returns whether it was added. */
  addIfAbsent(id: string, key: UuidKey | undefined): boolean {
    if (key !== undefined) return this.uuids.addIfAbsent(key);
    if (this.#others.has(id)) return false;
    this.#others.add(id);
    return true;
  }

  delete(id: string, key: UuidKey | undefined): void {
    if (key === undefined) this.#others.delete(id);
    else this.uuids.delete(key);
  }
}
