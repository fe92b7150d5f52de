/**
 * One space of a store: its channel log, its index (rebuilt by reading the channel at open, sealing a
 * torn tail with an abort marker when this instance is the authority), and the authority's write
 * state: the heads reserved by produces accepted but not yet written.
 */
import { AuditEvent, type AuditRecord } from '../audit/index.js';
import type { EnvelopeEncoder } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import type { ChannelLog } from '../storage/index.js';
import { scanLines } from './channel-reader.js';
import { abortLine, readSpaceRecord, type SegmentStatus } from './entry.js';
import { SequenceMismatchError, SkCode, StreamkitError } from './errors.js';
import { followGrowth } from './follow-growth.js';
import { HeldTransactions, type Hole } from './held-transactions.js';
import { SpaceIndex, type WrittenTrx } from './space-index.js';
import { TrxAssembler, type LocatedEntry } from './trx-assembler.js';
import type { TrxMemory } from './trx-memory.js';

/** What a space needs from its store. */
export interface SpaceContext {
  /**
   * The store's authority; undefined when unknown (a read-only inspection): then the writer of the
   * space's first transaction is taken as the authority, and the checks hold every later one to it.
   */
  authority: string | undefined;
  /** Whether this instance is the authority (it then seals torn tails and writes). */
  writable: boolean;
  memory: TrxMemory;
  encoder: EnvelopeEncoder;
  logger: Logger;
  now(): number;
  /** Appends lines to the space channel through the Messenger's publish path. */
  append(channel: string, lines: Buffer, records: number): Promise<{ start: number; end: number }>;
  /** Called for every transaction made visible. */
  committed(status: SegmentStatus): void;
  /** Records a transaction the checks refused in the audit log, when one runs. */
  audit(record: AuditRecord): void;
  /** Called when a replica's live space holds transactions past a gap (§7.1): starts its repair. */
  gap?(space: Space): void;
}

/** Heads reserved for one produce. */
export interface Reservation {
  firstSequence: number;
  firstPosition: number;
  trxNumber: number;
}

interface ReservedHead {
  last: number;
  trxNumber: number;
}

/** A loaded space. */
export class Space {
  readonly name: string;
  readonly channel: string;
  readonly log: ChannelLog;
  readonly index: SpaceIndex;
  readonly #ctx: SpaceContext;
  readonly #reserved = new Map<string, ReservedHead>();
  #authority: string | undefined;
  #nextPosition = 1;
  #failure: StreamkitError | undefined;
  #assembler: TrxAssembler;
  #scanned = 0;
  /** False while the channel is read at open: statuses are announced once the space is registered. */
  #live = false;
  readonly #stop = new AbortController();
  /** Entries of torn transactions found while reading the channel (never visible). */
  torn = 0;
  /** Entries refused by the index checks (§7) while reading the channel. */
  refused = 0;
  /** Gaps found (each a run of missing positions, §7.1). */
  gaps = 0;
  /** Entries the gap repair wrote from the authority's answers. */
  repaired = 0;
  /** Transactions read past a gap, held until it is filled (a replica only). */
  readonly #held = new HeldTransactions();
  readonly #scanWaiters = new Set<{ offset: number; wake: () => void }>();

  private constructor(name: string, log: ChannelLog, ctx: SpaceContext) {
    this.name = name;
    this.channel = log.channel;
    this.log = log;
    this.index = new SpaceIndex(name);
    this.#ctx = ctx;
    this.#authority = ctx.authority;
    this.#scanned = log.start;
    this.#assembler = this.#newAssembler();
  }

  /** Reads the channel into a new index, sealing a torn tail when writable. */
  static async load(name: string, log: ChannelLog, ctx: SpaceContext): Promise<Space> {
    const space = new Space(name, log, ctx);
    await space.#catchUp(log.end);
    const pending = space.#assembler.pending;
    if (pending.length > 0 && ctx.writable) {
      space.#assembler = space.#newAssembler();
      for (const torn of pending) {
        space.torn += torn.length;
        await space.#seal(torn);
      }
    }
    space.#nextPosition = space.index.lastPosition + 1;
    // Read past a gap that the channel does not fill further on: reported now, repaired once live.
    for (const hole of space.#held.holes(space.index.lastPosition)) {
      space.#reportGap(hole, space.#held.startingAt(hole.to + 1));
    }
    space.#live = true;
    return space;
  }

  /** The positions missing right after the head, when transactions are held past a gap. */
  firstHole(): Hole | undefined {
    return this.#held.firstHole(this.index.lastPosition);
  }

  /** Entries held past a gap. */
  get heldEntries(): number {
    return this.#held.entries;
  }

  /** The store's authority, as this space holds it to (undefined before its first transaction when unknown). */
  get authority(): string | undefined {
    return this.#authority;
  }

  /**
   * Appends lines to the channel from outside the follow loop (the gap repair writes the authority's
   * lines); resolves once the follow loop has read them.
   */
  async appendAndRead(lines: Buffer, records: number): Promise<void> {
    const { end } = await this.#ctx.append(this.channel, lines, records);
    if (this.#scanned >= end || this.#stop.signal.aborted) return;
    await new Promise<void>((wake) => this.#scanWaiters.add({ offset: end, wake }));
  }

  /**
   * Keeps the index current with what others append to the channel (a replica: federation forwards
   * the authority's records), until {@link Space.stop}.
   */
  follow(): void {
    void this.#followLoop().catch((err: unknown) => {
      if (!this.#stop.signal.aborted)
        this.#ctx.logger.error({ err, channel: this.channel }, 'following the space channel failed');
    });
  }

  /** Stops following. */
  stop(): void {
    this.#stop.abort();
    for (const waiter of this.#scanWaiters) waiter.wake();
    this.#scanWaiters.clear();
  }

  #followLoop(): Promise<void> {
    return followGrowth(
      this.log,
      () => this.#scanned,
      this.#stop.signal,
      () => this.#catchUp(this.log.end),
    );
  }

  async #catchUp(to: number): Promise<void> {
    this.#scanned = await scanLines(this.log, this.#scanned, to, ({ env, start, end }) => {
      if (env === undefined) return;
      const record = readSpaceRecord(env, this.name);
      if (record?.kind === 'entry') this.#assembler.entry({ entry: record.entry, start, end });
      else if (record?.kind === 'abort') this.#assembler.abort(record.marker);
    });
    for (const waiter of this.#scanWaiters) {
      if (waiter.offset > this.#scanned) continue;
      this.#scanWaiters.delete(waiter);
      waiter.wake();
    }
  }

  #newAssembler(): TrxAssembler {
    return new TrxAssembler({
      complete: (entries) => {
        this.#applyRead(entries);
      },
      torn: (entries, aborted) => {
        this.torn += entries.length;
        if (!aborted) {
          this.#ctx.logger.warn(
            { channel: this.channel, entries: entries.length },
            'torn transaction skipped',
          );
        }
      },
    });
  }

  /** The last sequence of `segment`, counting produces accepted but not yet written. */
  reservedLast(segment: string): number {
    return this.#head(segment).last;
  }

  /**
   * Checks the expectation and reserves sequences, positions and a trx number for `records` (each
   * may name the sequence it must get); synchronous, so produces are ordered as they call it.
   * Throws 4009 (nothing reserved) or 5003 after a failed write.
   */
  reserve(
    segment: string,
    expected: number | 'any',
    records: readonly { sequence: number | undefined }[],
  ): Reservation {
    if (this.#failure !== undefined) {
      throw new StreamkitError(
        SkCode.UNAVAILABLE,
        `space ${JSON.stringify(this.name)} stopped writing after a failed write; reopen the store`,
        { cause: this.#failure },
      );
    }
    const head = this.#head(segment);
    if (expected !== 'any' && expected !== head.last)
      throw new SequenceMismatchError(`${this.name}/${segment}`, expected, head.last);
    for (let i = 0; i < records.length; i++) {
      const sequence = records[i]?.sequence;
      if (sequence !== undefined && sequence !== head.last + 1 + i) {
        throw new SequenceMismatchError(`${this.name}/${segment}`, sequence - 1 - i, head.last);
      }
    }
    const count = records.length;
    const reservation = {
      firstSequence: head.last + 1,
      firstPosition: this.#nextPosition,
      trxNumber: head.trxNumber + 1,
    };
    head.last += count;
    head.trxNumber += 1;
    this.#nextPosition += count;
    return reservation;
  }

  /** Makes a transaction this instance wrote at byte `start` visible; returns its status. */
  commit(written: WrittenTrx, start: number): SegmentStatus {
    const problem = this.index.checkWritten(written);
    if (problem !== undefined) {
      this.fail(problem);
      throw problem;
    }
    this.index.applyWritten(written, start);
    return this.#announce(written.segment);
  }

  /** Stops accepting produces (a write failed: what is reserved past it can no longer be written). */
  fail(err: StreamkitError): void {
    this.#failure ??= err;
    this.#ctx.logger.error({ err, channel: this.channel }, 'space stopped writing');
  }

  #head(segment: string): ReservedHead {
    let head = this.#reserved.get(segment);
    if (head === undefined) {
      const visible = this.index.segment(segment);
      head = { last: visible?.positions.length ?? 0, trxNumber: visible?.trxNumber ?? 0 };
      this.#reserved.set(segment, head);
    }
    return head;
  }

  #check(entries: readonly LocatedEntry[]): StreamkitError | undefined {
    this.#authority ??= entries[0]?.entry.origin;
    return this.index.check(entries, this.#authority ?? '', (id) => this.#ctx.memory.has(id));
  }

  /** Checks and applies a transaction read from the channel, then whatever it unblocks. */
  #applyRead(entries: LocatedEntry[]): void {
    let next: LocatedEntry[] | undefined = entries;
    while (next !== undefined) {
      this.#checkAndApply(next);
      next = this.#held.take(this.index.lastPosition + 1);
    }
  }

  #checkAndApply(entries: LocatedEntry[]): void {
    const problem = this.#check(entries);
    if (problem === undefined) {
      this.#apply(entries);
      return;
    }
    // A replica holds what comes after a gap until it is filled; the authority has nothing to wait for.
    if (problem.wireCode !== SkCode.POSITION_AHEAD || this.#ctx.writable) {
      this.#refuse(entries, problem);
      return;
    }
    const outcome = this.#held.hold(entries, this.index.lastPosition);
    if (!outcome.held) {
      const where = `space ${JSON.stringify(this.name)} trx ${entries[0]?.entry.trx.id ?? ''}`;
      this.#refuse(
        entries,
        outcome.full === true
          ? new StreamkitError(
              SkCode.POSITION_AHEAD,
              `${where}: not held, ${outcome.limit} entries are held past a gap already; asked for again once it is repaired`,
            )
          : outcome.sameTrx
            ? new StreamkitError(SkCode.POSITION_BEHIND, `${where}: already held past a gap`)
            : new StreamkitError(
                SkCode.TRX_ID_MISMATCH,
                `${where}: its position is held by another transaction`,
              ),
      );
      return;
    }
    if (outcome.hole !== undefined && this.#live) this.#reportGap(outcome.hole, entries, problem);
    if (this.#live) this.#ctx.gap?.(this);
  }

  #refuse(entries: readonly LocatedEntry[], problem: StreamkitError): void {
    this.refused += entries.length;
    this.#ctx.logger.error(
      { err: problem, channel: this.channel },
      'transaction refused by the index checks',
    );
    const first = entries[0]?.entry;
    this.#ctx.audit({
      event: AuditEvent.STREAMKIT_REFUSED,
      channel: this.channel,
      peer: first?.origin ?? '',
      detail: `code=${problem.wireCode} trx=${first?.trx.id ?? ''} entries=${entries.length}: ${problem.message}`,
    });
  }

  /** Logs, counts and audits a gap (4090): positions missing before a held transaction. */
  #reportGap(hole: Hole, held?: readonly LocatedEntry[], problem?: StreamkitError): void {
    this.gaps += 1;
    const err =
      problem ??
      new StreamkitError(
        SkCode.POSITION_AHEAD,
        `space ${JSON.stringify(this.name)}: positions ${hole.from}-${hole.to} missing (a gap)`,
      );
    this.#ctx.logger.error(
      { err, channel: this.channel, missingFrom: hole.from, missingTo: hole.to },
      'gap in the space channel: later transactions held back until the missing positions are written',
    );
    const first = held?.[0]?.entry;
    this.#ctx.audit({
      event: AuditEvent.STREAMKIT_REFUSED,
      channel: this.channel,
      peer: first?.origin ?? this.#authority ?? '',
      detail: `code=${SkCode.POSITION_AHEAD} trx=${first?.trx.id ?? ''} entries=${held?.length ?? 0}: positions ${hole.from}-${hole.to} missing; held back until repaired`,
    });
  }

  /** Applies a transaction read from the channel (a local produce remembered its trx id already). */
  #apply(entries: LocatedEntry[]): void {
    const first = entries[0]?.entry;
    if (first === undefined) return;
    this.index.apply(entries);
    const status = this.#announce(first.segment);
    this.#ctx.memory.remember(first.trx.id, this.name, first.segment, Promise.resolve(status));
  }

  /** The status of the segment a transaction just made visible, announced once the space is live. */
  #announce(segment: string): SegmentStatus {
    // The transaction just became the segment's last: the segment's status is the transaction's.
    const status = this.index.status(segment);
    if (status === undefined) throw new Error('applied an empty transaction');
    if (this.#live) this.#ctx.committed(status);
    return status;
  }

  async #seal(torn: readonly LocatedEntry[]): Promise<void> {
    const first = torn[0]?.entry;
    if (first === undefined) return;
    const line = abortLine(this.#ctx.encoder, this.channel, this.#ctx.now(), {
      trxId: first.trx.id,
      segment: first.segment,
      position: first.position,
      count: first.trx.count,
      found: torn.length,
    });
    await this.#ctx.append(this.channel, Buffer.from(line), 1);
    this.#ctx.logger.warn(
      { channel: this.channel, trx: first.trx.id, found: torn.length, count: first.trx.count },
      'sealed a torn transaction with an abort marker',
    );
  }
}
