/**
 * Transactions a replica read past a gap (§7.1): checked complete, but their first position is beyond
 * the next one expected. They are held (without their data: the index needs only where they are) until
 * the missing positions are written, then applied in position order.
 */
import type { LocatedEntry } from './trx-assembler.js';

/** Positions missing before a held transaction: `from` … `to`, inclusive. */
export interface Hole {
  from: number;
  to: number;
}

/** What holding a transaction found. */
export type HoldOutcome =
  /** Held; `hole` is set when no held transaction ends right before it (a new gap opens). */
  | { held: true; hole: Hole | undefined }
  /** Not held: a transaction already held starts at the same position, `sameTrx` tells whose. */
  | { held: false; sameTrx: boolean; full?: undefined }
  /** Not held: `limit` entries are held already (the next resync after the gap fills asks for it again). */
  | { held: false; full: true; limit: number };

/**
 * Most entries a space holds past its gaps. A gap that stays open (a diverged copy whose repair
 * stopped) must not grow a replica's memory without end.
 */
export const MAX_HELD_ENTRIES = 1_000_000;

/** The held transactions of one space. */
export class HeldTransactions {
  /** Held transactions by first position. */
  readonly #byFirst = new Map<number, LocatedEntry[]>();
  /** Last position of each held transaction. */
  readonly #lasts = new Set<number>();
  readonly #limit: number;
  #entries = 0;

  /** @param limit - most entries held at once (default {@link MAX_HELD_ENTRIES}) */
  constructor(limit = MAX_HELD_ENTRIES) {
    this.#limit = limit;
  }

  /** Entries held. */
  get entries(): number {
    return this.#entries;
  }

  /** Whether anything is held. */
  get size(): number {
    return this.#byFirst.size;
  }

  /** Holds a complete transaction whose first position is past `head` + 1. */
  hold(entries: LocatedEntry[], head: number): HoldOutcome {
    const first = entries[0]?.entry;
    if (first === undefined) return { held: false, sameTrx: true };
    const existing = this.#byFirst.get(first.position)?.[0]?.entry;
    if (existing !== undefined) return { held: false, sameTrx: existing.trx.id === first.trx.id };
    if (this.#entries + entries.length > this.#limit) return { held: false, full: true, limit: this.#limit };
    for (const { entry } of entries) {
      delete entry.data;
      delete entry.bytes;
      delete entry.metadata;
    }
    this.#byFirst.set(first.position, entries);
    this.#lasts.add(first.position + entries.length - 1);
    this.#entries += entries.length;
    if (this.#lasts.has(first.position - 1)) return { held: true, hole: undefined };
    let from = head + 1;
    for (const last of this.#lasts) if (last < first.position && last + 1 > from) from = last + 1;
    return { held: true, hole: { from, to: first.position - 1 } };
  }

  /** The held transaction that starts at `position`, left held. */
  startingAt(position: number): readonly LocatedEntry[] | undefined {
    return this.#byFirst.get(position);
  }

  /** Removes and returns the held transaction that starts at `position`. */
  take(position: number): LocatedEntry[] | undefined {
    const entries = this.#byFirst.get(position);
    if (entries === undefined) return undefined;
    this.#byFirst.delete(position);
    this.#lasts.delete(position + entries.length - 1);
    this.#entries -= entries.length;
    return entries;
  }

  /** The missing positions right after `head`: up to the first held transaction. */
  firstHole(head: number): Hole | undefined {
    let first = Infinity;
    for (const position of this.#byFirst.keys()) if (position < first) first = position;
    return first === Infinity ? undefined : { from: head + 1, to: first - 1 };
  }

  /** Every hole after `head`, in order (what a replica reports when it opens with a gap). */
  holes(head: number): Hole[] {
    const firsts = [...this.#byFirst.keys()].sort((a, b) => a - b);
    const holes: Hole[] = [];
    let next = head + 1;
    for (const first of firsts) {
      if (first > next) holes.push({ from: next, to: first - 1 });
      next = first + (this.#byFirst.get(first)?.length ?? 0);
    }
    return holes;
  }
}
