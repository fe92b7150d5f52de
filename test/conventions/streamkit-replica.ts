/**
 * A reader of one space channel, written from docs/conventions/streamkit.md alone: transaction
 * assembly by trx id (§3), the replica checks in order (§7), holding past a gap (§7.1 steps 1–2), the
 * index, and the reads of §5.1. It names each refusal with the code the document gives it.
 */
import {
  parseSpaceLine,
  type EntryPayload,
  type RawEnvelope,
  type SpaceRecord,
  type WireStatus,
} from './streamkit-wire.js';

/** A visible entry with the envelope fields a reader sees. */
export interface VisibleEntry extends EntryPayload {
  origin: string;
  line: string;
}

/** A transaction refused by the checks of §7. */
export interface Refusal {
  code: number;
  trxId: string;
  entries: number;
}

/** A gap opened by a held transaction (§7.1 step 1). */
export interface Gap {
  from: number;
  to: number;
}

interface SegmentIndex {
  entries: VisibleEntry[];
  lastTrxNumber: number;
}

interface Pending {
  env: RawEnvelope;
  entries: VisibleEntry[];
}

/** The window of a segment read (§5.1). */
export interface Window {
  minSequence?: number;
  maxSequence?: number;
  minTimestamp?: number;
  maxTimestamp?: number;
  limit?: number;
}

/** The largest limit honoured (§5.1). */
const MAX_LIMIT = 10_000_000;

/** Whether `ts` is in the timestamp window: min exclusive, max inclusive, 0 = unbounded. */
function inTime(w: Window, ts: number): boolean {
  const min = w.minTimestamp ?? 0;
  const max = w.maxTimestamp ?? 0;
  return (min === 0 || ts > min) && (max === 0 || ts <= max);
}

/** Cuts `entries` to the window's limit (0 = none, else at most min(limit, 10M)). */
function limited<T>(entries: T[], w: Window): T[] {
  const limit = w.limit ?? 0;
  return limit === 0 ? entries : entries.slice(0, Math.min(limit, MAX_LIMIT));
}

/** One space's replica state, fed line by line. */
export class SpaceReader {
  readonly space: string;
  readonly authority: string;
  /** Visible entries in position order. */
  readonly visible: VisibleEntry[] = [];
  readonly refusals: Refusal[] = [];
  readonly gaps: Gap[] = [];
  /** Entries of transactions dropped as torn or aborted. */
  torn = 0;
  readonly #segments = new Map<string, SegmentIndex>();
  readonly #pending = new Map<string, Pending>();
  readonly #applied = new Set<string>();
  /** Held complete transactions by first position. */
  readonly #held = new Map<number, VisibleEntry[]>();

  readonly #checkTs: boolean;

  constructor(space: string, authority: string, checkTs = true) {
    this.space = space;
    this.authority = authority;
    this.#checkTs = checkTs;
  }

  /** The last visible position. */
  get lastPosition(): number {
    return this.visible.length;
  }

  /** The first held position, if any. */
  get firstHeld(): number | undefined {
    const starts = [...this.#held.keys()];
    return starts.length === 0 ? undefined : Math.min(...starts);
  }

  /**
   * The gaps still open: the holes before held transactions (what a replica reports after reading its
   * channel at open, §7.1: gaps filled further on in the channel are not reported).
   */
  openGaps(): Gap[] {
    const holes: Gap[] = [];
    let end = this.lastPosition;
    for (const [start, trx] of [...this.#held.entries()].sort((x, y) => x[0] - y[0])) {
      if (start > end + 1) holes.push({ from: end + 1, to: start - 1 });
      end = trx.at(-1)!.position;
    }
    return holes;
  }

  /** Feeds lines of the channel, in channel order. */
  feed(lines: readonly string[]): this {
    for (const line of lines) this.#read(parseSpaceLine(line, this.#checkTs));
    return this;
  }

  #read(r: SpaceRecord): void {
    if (r.kind === 'abort') {
      const p = this.#pending.get(r.abort.trx_id);
      if (p !== undefined) {
        this.torn += p.entries.length;
        this.#pending.delete(r.abort.trx_id);
      }
      return;
    }
    const e: VisibleEntry = { ...r.entry, origin: r.env.origin, line: r.line };
    const id = e.trx.id;
    const p = this.#pending.get(id);
    if (e.trx.index === 0) {
      if (p !== undefined) this.torn += p.entries.length;
      this.#pending.set(id, { env: r.env, entries: [e] });
    } else if (p !== undefined && p.entries.length === e.trx.index) {
      p.entries.push(e);
    } else {
      this.torn += 1 + (p?.entries.length ?? 0);
      this.#pending.delete(id);
      return;
    }
    const done = this.#pending.get(id)!;
    if (done.entries.length === e.trx.count) {
      this.#pending.delete(id);
      this.#complete(done.entries);
    }
  }

  /** §7's checks in order, then apply, hold or refuse. */
  #complete(trx: VisibleEntry[]): void {
    const first = trx[0]!;
    const refuse = (code: number): void => {
      this.refusals.push({ code, trxId: first.trx.id, entries: trx.length });
    };
    if (first.origin !== this.authority) {
      refuse(4095);
      return;
    }
    const next = this.lastPosition + 1;
    if (first.position > next) {
      const held = this.#held.get(first.position);
      if (held !== undefined) {
        refuse(held[0]!.trx.id === first.trx.id ? 4091 : 4092);
        return;
      }
      const endsBefore = [...this.#held.values()].some((h) => h.at(-1)!.position === first.position - 1);
      if (!endsBefore) {
        const before = [...this.#held.values()]
          .map((h) => h.at(-1)!.position)
          .filter((p) => p < first.position);
        const from = Math.max(this.lastPosition, ...before) + 1;
        this.gaps.push({ from, to: first.position - 1 });
      }
      this.#held.set(first.position, trx);
      return;
    }
    if (first.position < next) {
      refuse(this.#applied.has(first.trx.id) ? 4091 : 4092);
      return;
    }
    const code = this.#checkSegment(trx);
    if (code !== 0) {
      refuse(code);
      return;
    }
    this.#apply(trx);
    for (
      let h = this.#held.get(this.lastPosition + 1);
      h !== undefined;
      h = this.#held.get(this.lastPosition + 1)
    ) {
      this.#held.delete(this.lastPosition + 1);
      const c = this.#checkSegment(h);
      if (c !== 0) {
        this.refusals.push({ code: c, trxId: h[0]!.trx.id, entries: h.length });
        break;
      }
      this.#apply(h);
    }
  }

  /** Checks 3 and 4 of §7 (the position was checked already). */
  #checkSegment(trx: VisibleEntry[]): number {
    const first = trx[0]!;
    const seg = this.#segments.get(first.segment);
    const lastNumber = seg?.lastTrxNumber ?? 0;
    if (first.trx.number > lastNumber + 1) return 4093;
    if (first.trx.number <= lastNumber) return 4094;
    const lastSeq = seg?.entries.at(-1)?.sequence ?? 0;
    const ok = trx.every(
      (e, i) =>
        e.segment === first.segment && e.position === first.position + i && e.sequence === lastSeq + 1 + i,
    );
    return ok ? 0 : 4009;
  }

  #apply(trx: VisibleEntry[]): void {
    const first = trx[0]!;
    let seg = this.#segments.get(first.segment);
    if (seg === undefined) {
      seg = { entries: [], lastTrxNumber: 0 };
      this.#segments.set(first.segment, seg);
    }
    seg.entries.push(...trx);
    seg.lastTrxNumber = first.trx.number;
    this.visible.push(...trx);
    this.#applied.add(first.trx.id);
  }

  /** The segment's status (§5.3), or undefined when it has no entry. */
  status(segment: string): WireStatus | undefined {
    const entries = this.#segments.get(segment)?.entries;
    if (entries === undefined || entries.length === 0) return undefined;
    const first = entries[0]!;
    const last = entries.at(-1)!;
    return {
      space: this.space,
      segment,
      first_sequence: first.sequence,
      first_timestamp: first.timestamp,
      last_sequence: last.sequence,
      last_timestamp: last.timestamp,
    };
  }

  /** The segments that have entries, in UTF-8 byte order. */
  segments(): string[] {
    return [...this.#segments.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** consumeSegment's window (§5.1) over the visible entries. */
  consumeSegment(segment: string, w: Window = {}): VisibleEntry[] {
    const min = w.minSequence ?? 0;
    let max = w.maxSequence ?? 0;
    if (max !== 0 && max < min) max = min;
    const entries = (this.#segments.get(segment)?.entries ?? []).filter(
      (e) => (min === 0 || e.sequence >= min) && (max === 0 || e.sequence <= max) && inTime(w, e.timestamp),
    );
    return limited(entries, w);
  }

  /** consumeSpace (§5.1): strictly after position `after`, in position order. */
  consumeSpace(after: number, w: Window = {}): VisibleEntry[] {
    return limited(
      this.visible.filter((e) => e.position > after && inTime(w, e.timestamp)),
      w,
    );
  }
}

/** consume(offsets) (§5.1): several spaces merged by (timestamp, space bytes, position). */
export function consumeMerged(
  readers: readonly SpaceReader[],
  offsets: Readonly<Record<string, number>>,
  w: Window = {},
): (VisibleEntry & { space: string })[] {
  const all = readers.flatMap((r) =>
    r.space in offsets
      ? r.consumeSpace(offsets[r.space]!, { ...w, limit: 0 }).map((e) => ({ ...e, space: r.space }))
      : [],
  );
  all.sort(
    (a, b) =>
      a.timestamp - b.timestamp ||
      Buffer.compare(Buffer.from(a.space), Buffer.from(b.space)) ||
      a.position - b.position,
  );
  return limited(all, w);
}
