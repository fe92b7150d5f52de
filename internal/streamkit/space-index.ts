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

/**
 * A transaction this instance just wrote (the authority's produce): its entries are contiguous by
 * construction, so it travels as its first position and sequence and where each line ends.
 */
export interface WrittenTrx {
  segment: string;
  firstPosition: number;
  firstSequence: number;
  trxId: string;
  trxNumber: number;
  timestamp: number;
  /** End of each line, counted in bytes from the start of the transaction's first line. */
  ends: readonly number[];
}

/** What the checks of §7 look at in a transaction's first entry. */
interface TrxStart {
  segment: string;
  position: number;
  sequence: number;
  trxId: string;
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
    if (first.origin !== authority) {
      return new StreamkitError(
        SkCode.FOREIGN_WRITER,
        `${this.#where(first.segment, first.trx.id)}: written by ${JSON.stringify(first.origin)}, not the authority ${JSON.stringify(authority)}`,
      );
    }
    const start = {
      segment: first.segment,
      position: first.position,
      sequence: first.sequence,
      trxId: first.trx.id,
      trxNumber: first.trx.number,
    };
    const problem = this.#checkStart(start, knownTrx);
    if (problem !== undefined) return problem;
    const lastSequence = first.sequence - 1;
    for (const [i, { entry }] of entries.entries()) {
      if (
        entry.segment !== first.segment ||
        entry.position !== first.position + i ||
        entry.sequence !== lastSequence + 1 + i
      ) {
        return new StreamkitError(
          SkCode.SEQUENCE_MISMATCH,
          `${this.#where(first.segment, first.trx.id)}: entry ${i} is ${JSON.stringify(entry.segment)} sequence ${entry.sequence} position ${entry.position}, expected sequence ${lastSequence + 1 + i} position ${first.position + i}`,
        );
      }
    }
    return undefined;
  }

  /** {@link SpaceIndex.check} of a transaction this instance wrote (its entries follow each other). */
  checkWritten(t: WrittenTrx): StreamkitError | undefined {
    return this.#checkStart(
      {
        segment: t.segment,
        position: t.firstPosition,
        sequence: t.firstSequence,
        trxId: t.trxId,
        trxNumber: t.trxNumber,
      },
      () => true,
    );
  }

  /** The checks of a transaction's first entry: position, trx number, sequence. */
  #checkStart(first: TrxStart, knownTrx: (id: string) => boolean): StreamkitError | undefined {
    const next = this.lastPosition + 1;
    if (first.position > next) {
      return new StreamkitError(
        SkCode.POSITION_AHEAD,
        `${this.#where(first.segment, first.trxId)}: position ${first.position} after ${this.lastPosition} (a gap)`,
      );
    }
    if (first.position < next) {
      const code = knownTrx(first.trxId) ? SkCode.POSITION_BEHIND : SkCode.TRX_ID_MISMATCH;
      return new StreamkitError(
        code,
        `${this.#where(first.segment, first.trxId)}: position ${first.position} is already held (last ${this.lastPosition})`,
      );
    }
    const head = this.#segments.get(first.segment);
    const trxNumber = head?.trxNumber ?? 0;
    if (first.trxNumber > trxNumber + 1) {
      return new StreamkitError(
        SkCode.TRX_NUMBER_AHEAD,
        `${this.#where(first.segment, first.trxId)}: trx number ${first.trxNumber} after ${trxNumber}`,
      );
    }
    if (first.trxNumber <= trxNumber) {
      return new StreamkitError(
        SkCode.TRX_NUMBER_BEHIND,
        `${this.#where(first.segment, first.trxId)}: trx number ${first.trxNumber} repeats (last ${trxNumber})`,
      );
    }
    const lastSequence = head?.positions.length ?? 0;
    if (first.sequence !== lastSequence + 1) {
      return new StreamkitError(
        SkCode.SEQUENCE_MISMATCH,
        `${this.#where(first.segment, first.trxId)}: entry 0 is sequence ${first.sequence} position ${first.position}, expected sequence ${lastSequence + 1} position ${first.position}`,
      );
    }
    return undefined;
  }

  /** Where a refused transaction is, for its message (built only when refusing). */
  #where(segment: string, trxId: string): string {
    return `space ${JSON.stringify(this.space)} segment ${JSON.stringify(segment)} trx ${trxId}`;
  }

  /** Makes a checked transaction visible and wakes followers. */
  apply(entries: readonly LocatedEntry[]): void {
    const first = entries[0]?.entry;
    if (first === undefined) return;
    const head = this.#headOf(first.segment, first.timestamp);
    for (const { entry, start, end } of entries) {
      this.#starts.push(start);
      this.#ends.push(end);
      this.#times.push(entry.timestamp);
      head.positions.push(entry.position);
    }
    this.#applied(head, first.timestamp, first.trx.number);
  }

  /** {@link SpaceIndex.apply} of a checked transaction this instance wrote at byte `start`. */
  applyWritten(t: WrittenTrx, start: number): void {
    const head = this.#headOf(t.segment, t.timestamp);
    let lineStart = start;
    for (let i = 0; i < t.ends.length; i++) {
      const lineEnd = start + (t.ends[i] ?? 0);
      this.#starts.push(lineStart);
      this.#ends.push(lineEnd);
      this.#times.push(t.timestamp);
      head.positions.push(t.firstPosition + i);
      lineStart = lineEnd;
    }
    this.#applied(head, t.timestamp, t.trxNumber);
  }

  #headOf(segment: string, timestamp: number): SegmentHead {
    let head = this.#segments.get(segment);
    if (head === undefined) {
      head = { positions: [], firstTimestamp: timestamp, lastTimestamp: timestamp, trxNumber: 0 };
      this.#segments.set(segment, head);
      this.#sortedSegments = undefined;
    }
    return head;
  }

  #applied(head: SegmentHead, timestamp: number, trxNumber: number): void {
    head.lastTimestamp = timestamp;
    head.trxNumber = trxNumber;
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
