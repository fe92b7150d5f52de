/**
 * The hold-back of §3: entries of a transaction are kept until its last one is read, so a transaction
 * becomes visible all at once; a transaction interrupted by another one or by an abort marker is torn.
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
  #pending: LocatedEntry[] = [];

  /** @param events - where complete and torn transactions go */
  constructor(events: AssemblerEvents) {
    this.#events = events;
  }

  /** The entries held back (an incomplete transaction at the end of what was read). */
  get pending(): readonly LocatedEntry[] {
    return this.#pending;
  }

  /** Feeds the next entry of the channel. */
  entry(located: LocatedEntry): void {
    const { trx } = located.entry;
    const first = this.#pending[0];
    if (first !== undefined && (first.entry.trx.id !== trx.id || trx.index !== this.#pending.length)) {
      this.#tear(false);
    }
    if (this.#pending.length === 0 && trx.index !== 0) {
      this.#events.torn([located], false);
      return;
    }
    this.#pending.push(located);
    if (this.#pending.length === trx.count) {
      const done = this.#pending;
      this.#pending = [];
      this.#events.complete(done);
    }
  }

  /** Feeds an abort marker: drops the pending transaction when the marker names it. */
  abort(marker: AbortMarker): void {
    if (this.#pending[0]?.entry.trx.id === marker.trxId) this.#tear(true);
  }

  #tear(aborted: boolean): void {
    const torn = this.#pending;
    this.#pending = [];
    this.#events.torn(torn, aborted);
  }
}
