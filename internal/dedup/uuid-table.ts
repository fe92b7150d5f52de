/**
 * An exact set of 128-bit UUID keys in one typed array: open addressing with linear probing, a slot
 * of four 32-bit words per key, so a lookup usually touches a single cache line and the set holds no
 * strings for the garbage collector to trace.
 */
import { randomFillSync } from 'node:crypto';
import type { UuidKey } from './uuid-key.js';

const WORDS = 4;
const MIN_SLOTS = 1024;
/** A deleted slot (the max UUID, which {@link readUuidKey} never accepts); an empty slot is all zeros. */
const DELETED = -1;
const MAX_WORD = 0x7fffffff;
const MIN_WORD = -0x80000000;

/** Per-process seeds, so a peer cannot choose ids that all land in one probe run. */
const SEED = randomFillSync(new Int32Array(WORDS));

function slotOf(key: UuidKey, mask: number): number {
  let h =
    Math.imul((key[0] ?? 0) ^ (SEED[0] ?? 0), 0x85ebca6b) ^
    Math.imul((key[1] ?? 0) ^ (SEED[1] ?? 0), 0xc2b2ae35) ^
    Math.imul((key[2] ?? 0) ^ (SEED[2] ?? 0), 0x27d4eb2f) ^
    Math.imul((key[3] ?? 0) ^ (SEED[3] ?? 0), 0x165667b1);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) & mask;
}

/** A set of UUID keys (see module docs); the table grows to stay at most half full. */
export class UuidTable {
  #words: Int32Array;
  #mask: number;
  /** Keys held. */
  #live = 0;
  /** Keys held plus deleted markers: what probing has to step over. */
  #used = 0;
  /**
   * The lowest and highest key ever added, ordered by their first two words (signed): a key outside
   * that range is not held, which {@link UuidTable.has} answers without a probe. Time-ordered ids
   * (UUID v7) arriving now are newer than every key of an older table.
   */
  #low0 = MAX_WORD;
  #low1 = MAX_WORD;
  #high0 = MIN_WORD;
  #high1 = MIN_WORD;

  /** @param slots - the initial number of slots (rounded up to a power of two, at least 1024) */
  constructor(slots = MIN_SLOTS) {
    let n = MIN_SLOTS;
    while (n < slots) n *= 2;
    this.#words = new Int32Array(n * WORDS);
    this.#mask = n - 1;
  }

  /** How many keys are held. */
  get size(): number {
    return this.#live;
  }

  /** How many slots the table has (to size a successor alike). */
  get slots(): number {
    return this.#mask + 1;
  }

  /** True when `key` is held. */
  has(key: UuidKey): boolean {
    const k0 = key[0] ?? 0;
    const k1 = key[1] ?? 0;
    if (k0 < this.#low0 || (k0 === this.#low0 && k1 < this.#low1)) return false;
    if (k0 > this.#high0 || (k0 === this.#high0 && k1 > this.#high1)) return false;
    return this.#probe(key) >= 0;
  }

  /**
   * Adds `key` unless it is held, in one probe: returns true when it was added, false when it was
   * already there. The key goes into the first deleted slot on its probe run, if any.
   */
  addIfAbsent(key: UuidKey): boolean {
    if ((this.#used + 1) * 2 > this.#mask + 1) this.#rehash();
    const probed = this.#probe(key);
    if (probed >= 0) return false;
    const at = -probed - 1;
    if (isEmpty(this.#words, at)) this.#used++;
    this.#words.set(key, at);
    this.#live++;
    this.#widenRange(key);
    return true;
  }

  #widenRange(key: UuidKey): void {
    const k0 = key[0] ?? 0;
    const k1 = key[1] ?? 0;
    if (k0 < this.#low0 || (k0 === this.#low0 && k1 < this.#low1)) {
      this.#low0 = k0;
      this.#low1 = k1;
    }
    if (k0 > this.#high0 || (k0 === this.#high0 && k1 > this.#high1)) {
      this.#high0 = k0;
      this.#high1 = k1;
    }
  }

  /** Removes `key`; returns whether it was held. */
  delete(key: UuidKey): boolean {
    const at = this.#probe(key);
    if (at < 0) return false;
    this.#words.fill(DELETED, at, at + WORDS);
    this.#live--;
    return true;
  }

  /**
   * Walks `key`'s probe run: the word offset of its slot when held; otherwise `-at - 1`, where `at`
   * is the slot it would go into (the run's first deleted slot, else the empty slot ending it).
   */
  #probe(key: UuidKey): number {
    const words = this.#words;
    const mask = this.#mask;
    const k0 = key[0] ?? 0;
    const k1 = key[1] ?? 0;
    const k2 = key[2] ?? 0;
    const k3 = key[3] ?? 0;
    let free = -1;
    for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
      const at = slot * WORDS;
      const w0 = words[at] ?? 0;
      const w1 = words[at + 1] ?? 0;
      const w2 = words[at + 2] ?? 0;
      const w3 = words[at + 3] ?? 0;
      if (w0 === k0 && w1 === k1 && w2 === k2 && w3 === k3) return at;
      if ((w0 | w1 | w2 | w3) === 0) return -(free < 0 ? at : free) - 1;
      if (free < 0 && (w0 & w1 & w2 & w3) === DELETED) free = at;
    }
  }

  /** Rebuilds without deleted markers, doubling the slots when more than a quarter are held. */
  #rehash(): void {
    const old = this.#words;
    const slots = (this.#live + 1) * 4 > this.#mask + 1 ? (this.#mask + 1) * 2 : this.#mask + 1;
    this.#words = new Int32Array(slots * WORDS);
    this.#mask = slots - 1;
    this.#live = 0;
    this.#used = 0;
    for (let at = 0; at < old.length; at += WORDS) {
      if (!isEmpty(old, at) && !isDeleted(old, at)) this.addIfAbsent(old.subarray(at, at + WORDS));
    }
  }
}

function isEmpty(words: Int32Array, at: number): boolean {
  return ((words[at] ?? 0) | (words[at + 1] ?? 0) | (words[at + 2] ?? 0) | (words[at + 3] ?? 0)) === 0;
}

function isDeleted(words: Int32Array, at: number): boolean {
  return ((words[at] ?? 0) & (words[at + 1] ?? 0) & (words[at + 2] ?? 0) & (words[at + 3] ?? 0)) === DELETED;
}
