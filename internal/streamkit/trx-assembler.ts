/**
 * The hold-back of §3: entries of a transaction are kept until its last one is read, so a transaction
 * becomes visible all at once. Transactions are assembled by id: a replica's channel may interleave a
 * transaction that federation delivered in several pieces with a repair append (§7.1). An entry that
 * does not continue its transaction, or an abort marker, tears what was pending of it.
 */
import type { AbortMarker, StreamEntry } from './entry.js';

/** An entry with the byte range of its line in the channel. */
export interface LocatedEntry {
  entry: StreamEntry;
  start: number;
  end: number;
}

/** What the assembler reports. */
export interface AssemblerEvents {
  /** Every entry of one transaction, in order. */
  complete(entries: LocatedEntry[]): void;
  /** Entries of a transaction that will never complete; `aborted` when an abort marker said so. */
  torn(entries: LocatedEntry[], aborted: boolean): void;
}

/** Assembles the transactions of one space channel read in order. */
export class TrxAssembler {
  readonly #events: AssemblerEvents;
  /** Incomplete transactions by id, in the order they started. */
  readonly #pending = new Map<string, LocatedEntry[]>();

  /** @param events - where complete and torn transactions go */
  constructor(events: AssemblerEvents) {
    this.#events = events;
  }

  /** The transactions held back (incomplete at the end of what was read), in the order they started. */
  get pending(): readonly (readonly LocatedEntry[])[] {
    return [...this.#pending.values()];
  }

  /** Feeds the next entry of the channel. */
  entry(located: LocatedEntry): void {
    const { trx } = located.entry;
    let entries = this.#pending.get(trx.id);
    if (entries !== undefined && trx.index !== entries.length) {
      // Not the next entry of its transaction (a restarted copy, or a skip): what was pending is torn.
      this.#tear(trx.id, entries, false);
      entries = undefined;
    }
    if (entries === undefined) {
      if (trx.index !== 0) {
        this.#events.torn([located], false);
        return;
      }
      if (trx.count === 1) {
        this.#events.complete([located]);
        return;
      }
      entries = [];
      this.#pending.set(trx.id, entries);
    }
    entries.push(located);
    if (entries.length === trx.count) {
      this.#pending.delete(trx.id);
      this.#events.complete(entries);
    }
  }

  /** Feeds an abort marker: drops the pending transaction it names. */
  abort(marker: AbortMarker): void {
    const entries = this.#pending.get(marker.trxId);
    if (entries !== undefined) this.#tear(marker.trxId, entries, true);
  }

  #tear(id: string, entries: LocatedEntry[], aborted: boolean): void {
    this.#pending.delete(id);
    this.#events.torn(entries, aborted);
  }
}
