/**
 * The in-memory index of one space (§5): where every visible position is, each segment's head and
 * where its entries are. Derived from the channel, so it is rebuilt by reading it, and checked with
 * the replica rules of §7 before a transaction is applied.
 */
import type { SegmentStatus } from './entry.js';
import { SkCode, StreamkitError } from './errors.js';
import type { LocatedEntry } from './trx-assembler.js';

/** A segment's visible head. */
export interface SegmentHead {
  /** Space position of each sequence: `positions[sequence - 1]`. */
  readonly positions: number[];
  firstTimestamp: number;
  lastTimestamp: number;
  /** The last transaction number. */
  trxNumber: number;
}

/** Byte range of a line. */
export interface Location {
  start: number;
  end: number;
}

/** The index of one space. */
export class SpaceIndex {
  /** The space name. */
  readonly space: string;
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #times: number[] = [];
  readonly #segments = new Map<string, SegmentHead>();
  #sortedSegments: string[] | undefined;
  #waiters = new Set<() => void>();

  /** @param space - the space name */
  constructor(space: string) {
    this.space = space;
  }

  /** The last visible position (0 when empty). */
  get lastPosition(): number {
    return this.#starts.length;
  }

  /** The last timestamp (0 when empty). */
  get lastTimestamp(): number {
    return this.#times[this.#times.length - 1] ?? 0;
  }

  /** The segment's head, when it has entries. */
  segment(name: string): SegmentHead | undefined {
    return this.#segments.get(name);
  }

  /** Segment names, sorted in UTF-8 byte order. */
  segmentNames(): readonly string[] {
    this.#sortedSegments ??= [...this.#segments.keys()].sort(byUtf8Bytes);
    return this.#sortedSegments;
  }

  /** Where position `p` is (1-based). */
  location(p: number): Location | undefined {
    const start = this.#starts[p - 1];
    const end = this.#ends[p - 1];
    return start === undefined || end === undefined ? undefined : { start, end };
  }

  /** The timestamp of position `p`. */
  timestampAt(p: number): number {
    return this.#times[p - 1] ?? 0;
  }

  /** The status of `segment`, when it has entries. */
  status(segment: string): SegmentStatus | undefined {
    const head = this.#segments.get(segment);
    if (head === undefined) return undefined;
    return {
      space: this.space,
      segment,
      firstSequence: 1,
      firstTimestamp: head.firstTimestamp,
      lastSequence: head.positions.length,
      lastTimestamp: head.lastTimestamp,
    };
  }

  /**
   * Checks a complete transaction against the index (§7); returns the error it breaks, if any.
   * `knownTrx` tells whether a trx id was already applied.
   */
  check(
    entries: readonly LocatedEntry[],
    authority: string,
    knownTrx: (id: string) => boolean,
  ): StreamkitError | undefined {
    const first = entries[0]?.entry;
    if (first === undefined) return undefined;
    // Built only for a refusal: the check runs once per transaction on the produce path.
    const where = (): string =>
      `space ${JSON.stringify(this.space)} segment ${JSON.stringify(first.segment)} trx ${first.trx.id}`;
    if (first.origin !== authority) {
      return new StreamkitError(
        SkCode.FOREIGN_WRITER,
        `${where()}: written by ${JSON.stringify(first.origin)}, not the authority ${JSON.stringify(authority)}`,
      );
    }
    const next = this.lastPosition + 1;
    if (first.position > next) {
      return new StreamkitError(
        SkCode.POSITION_AHEAD,
        `${where()}: position ${first.position} after ${this.lastPosition} (a gap)`,
      );
    }
    if (first.position < next) {
      const code = knownTrx(first.trx.id) ? SkCode.POSITION_BEHIND : SkCode.TRX_ID_MISMATCH;
      return new StreamkitError(
        code,
        `${where()}: position ${first.position} is already held (last ${this.lastPosition})`,
      );
    }
    const head = this.#segments.get(first.segment);
    const trxNumber = head?.trxNumber ?? 0;
    if (first.trx.number > trxNumber + 1) {
      return new StreamkitError(
        SkCode.TRX_NUMBER_AHEAD,
        `${where()}: trx number ${first.trx.number} after ${trxNumber}`,
      );
    }
    if (first.trx.number <= trxNumber) {
      return new StreamkitError(
        SkCode.TRX_NUMBER_BEHIND,
        `${where()}: trx number ${first.trx.number} repeats (last ${trxNumber})`,
      );
    }
    const lastSequence = head?.positions.length ?? 0;
    for (const [i, { entry }] of entries.entries()) {
      if (
        entry.segment !== first.segment ||
        entry.position !== first.position + i ||
        entry.sequence !== lastSequence + 1 + i
      ) {
        return new StreamkitError(
          SkCode.SEQUENCE_MISMATCH,
          `${where()}: entry ${i} is ${JSON.stringify(entry.segment)} sequence ${entry.sequence} position ${entry.position}, expected sequence ${lastSequence + 1 + i} position ${first.position + i}`,
        );
      }
    }
    return undefined;
  }

  /** Makes a checked transaction visible and wakes followers. */
  apply(entries: readonly LocatedEntry[]): void {
    const first = entries[0]?.entry;
    if (first === undefined) return;
    let head = this.#segments.get(first.segment);
    if (head === undefined) {
      head = { positions: [], firstTimestamp: first.timestamp, lastTimestamp: first.timestamp, trxNumber: 0 };
      this.#segments.set(first.segment, head);
      this.#sortedSegments = undefined;
    }
    for (const { entry, start, end } of entries) {
      this.#starts.push(start);
      this.#ends.push(end);
      this.#times.push(entry.timestamp);
      head.positions.push(entry.position);
    }
    head.lastTimestamp = first.timestamp;
    head.trxNumber = first.trx.number;
    if (this.#waiters.size === 0) return;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /**
   * Resolves once a position past `seen` is visible, the signal aborts, or {@link SpaceIndex.wakeAll}
   * is called (the store closes); never rejects.
   */
  waitForPosition(seen: number, signal?: AbortSignal): Promise<void> {
    if (this.lastPosition > seen || signal?.aborted === true) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every follower (on close). */
  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** UTF-8 byte order, the order names are listed in. */
export function byUtf8Bytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
