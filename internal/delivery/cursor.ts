/**
 * The cursor: the reader of one channel log. It reads batches of whole records from an offset,
 * waits for more, advances, and persists its position in an offset file per policy. Local
 * subscribers, federation senders and live ephemeral subscriptions read and wait through it; Durable
 * Streams reads span several channels and have a reader of their own on the same two primitives of
 * the log, `read` and `onGrowth` (DESIGN.md §3.2).
 */
import { Backoff, type BackoffPolicy, type Clock } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import { untilGrowth, type ChannelLog, type OffsetStore, type ReadResult } from '../storage/index.js';
import { splitRecords, type LogRecord } from './split-records.js';
import { assertStartPosition, resolveStartPosition, type StartPosition } from './start-position.js';

/** Settings of a {@link Cursor}. */
export interface CursorOptions {
  log: ChannelLog;
  /** Where the position is persisted; omit for a cursor that keeps no file (live-only readers). */
  offsets?: OffsetStore;
  /** The offset file's id (`<id>.offset`). */
  id: string;
  /** 0 = persist after every advance; otherwise at most once per interval (and on close). */
  flushIntervalMs: number;
  /**
   * Bytes per read. Records a consumer does not take at once (it advanced to a record inside the
   * read) are kept and handed out by the next {@link Cursor.next} without reading again.
   */
  batchBytes: number;
  clock: Clock;
  logger: Logger;
}

/** Consecutive failed offset writes after which delivery pauses and probes. */
export const OFFSET_FAILURES_BEFORE_PAUSE = 3;

/** A position in a channel log that can wait, read, advance and persist. */
export class Cursor {
  readonly #opts: CursorOptions;
  #position: number;
  #persisted: number;
  #flushTimer: { clear(): void } | undefined;
  #flushing: Promise<boolean> | undefined;
  #failures = 0;
  #closed = false;
  /** Records of the last read not handed out yet (a log's bytes never change once readable). */
  #ahead: LogRecord[] = [];
  #aheadIndex = 0;
  #retentionSkipped = 0;

  private constructor(opts: CursorOptions, position: number, persisted: number) {
    this.#opts = opts;
    this.#position = position;
    this.#persisted = persisted;
  }

  /**
   * Opens a cursor: resumes from the stored offset when there is one, else starts at `from` and
   * stores that position at once (so compaction respects it from now on). `from` is checked even
   * when a stored offset resumes (it may come from plain JavaScript).
   *
   * @throws MessengerError `ERR_INVALID_ARGUMENT` for a malformed `from` or one past the channel's
   * end; `ERR_OFFSET_FILE_CORRUPT` for an unreadable offset file.
   */
  static async open(opts: CursorOptions, from: StartPosition): Promise<Cursor> {
    const start = assertStartPosition(from, opts);
    const stored = await opts.offsets?.read(opts.log.channel, opts.id);
    if (stored !== undefined) {
      let position = stored;
      if (stored > opts.log.end) {
        opts.logger.warn(
          { channel: opts.log.channel, cursor: opts.id, stored, end: opts.log.end },
          'stored offset is past the end of the channel; starting at the end',
        );
        position = opts.log.end;
      }
      return new Cursor(opts, position, stored);
    }
    const position = await resolveStartPosition(start, opts);
    const cursor = new Cursor(opts, position, -1);
    if (opts.offsets !== undefined) {
      await opts.offsets.write(opts.log.channel, opts.id, position);
      cursor.#persisted = position;
    }
    return cursor;
  }

  /** The next offset to read. */
  get position(): number {
    return this.#position;
  }

  /** The offset last written to the offset file. */
  get persisted(): number {
    return this.#persisted;
  }

  /** Whether offset writes failed often enough that delivery should pause ({@link probe}). */
  get paused(): boolean {
    return this.#failures >= OFFSET_FAILURES_BEFORE_PAUSE;
  }

  /** Bytes this cursor stepped over because they were no longer in the log (evicted by retention). */
  get retentionSkippedBytes(): number {
    return this.#retentionSkipped;
  }

  /** The log this cursor reads. */
  get log(): ChannelLog {
    return this.#opts.log;
  }

  /**
   * The next records from the position (at least one), waiting for them if needed; rejects with
   * `signal.reason` when aborted. Skipped bytes (a gap below the oldest segment, an oversized or
   * torn record) are logged and stepped over.
   *
   * A reader that keeps several batches unacknowledged reads ahead by passing `from`, the offset
   * past what it has already taken; the position (and the offset file) then stays where it is
   * until the reader {@link Cursor.advance}s it.
   */
  async next(signal?: AbortSignal, from = this.#position): Promise<LogRecord[]> {
    const { log } = this.#opts;
    const ahead = this.#takeAhead(from);
    if (ahead !== undefined) return ahead;
    let offset = from;
    for (;;) {
      signal?.throwIfAborted();
      const result =
        log.readCached(offset, this.#opts.batchBytes) ?? (await log.read(offset, this.#opts.batchBytes));
      if (result.skipped !== undefined) {
        this.#noteSkipped(result.skipped);
        const readingAtPosition = offset === this.#position;
        offset = result.data.length === 0 ? result.next : result.start;
        if (readingAtPosition) await this.advance(offset);
        if (result.data.length === 0) continue;
      }
      if (result.data.length > 0) {
        const records = splitRecords(result.data, result.start, result.next);
        // Records past a sealed segment's offsets share their `next`: hand them out once only.
        this.#ahead = result.next === result.start + result.data.length ? records : [];
        this.#aheadIndex = 0;
        return records;
      }
      await untilGrowth(this, result.end, signal);
    }
  }

  /** Whether the log holds bytes past `from`, so that {@link Cursor.next} may find records without waiting. */
  hasMore(from = this.#position): boolean {
    return this.#opts.log.end > from;
  }

  /**
   * The cursor's one wait, which {@link Cursor.next} waits through too: calls `onGrowth` (which must
   * not throw) once the log grows past `seenEnd` or closes (within this call if it already has).
   * Returns a function that cancels the wait, cheaper than an AbortSignal for a wait that is usually
   * cancelled (a sender waiting for an ack or new records, whichever comes first).
   */
  onGrowth(seenEnd: number, onGrowth: () => void): () => void {
    return this.#opts.log.onGrowth(seenEnd, onGrowth);
  }

  /**
   * Logs and counts bytes a read passed over. A gap below the oldest segment is not damage: those
   * records were evicted (by retention, or a cleared history) and are reported as a retention loss.
   */
  #noteSkipped({ from, to, reason, error }: NonNullable<ReadResult['skipped']>): void {
    const { log, logger, id } = this.#opts;
    const fields = { channel: log.channel, cursor: id, from, to, reason };
    if (reason === 'gap') {
      logger.warn({ ...fields, bytes: to - from }, 'cursor skipped records no longer retained');
      this.#retentionSkipped += to - from;
      log.noteRetentionLoss({ kind: 'skipped', cursor: id, from, to });
      return;
    }
    log.noteSkipped(to - from, reason === 'unreadable' ? 0 : 1);
    if (error === undefined) logger.warn(fields, 'cursor skipped bytes');
    else logger.error({ ...fields, err: error }, 'cursor skipped bytes');
  }

  /** The records of the last read from `from` on, when `from` is one of them. */
  #takeAhead(from: number): LogRecord[] | undefined {
    const records = this.#ahead;
    let i = this.#aheadIndex;
    while (i < records.length && (records[i]?.offset ?? Infinity) < from) i++;
    if (i >= records.length || records[i]?.offset !== from) {
      this.#ahead = [];
      this.#aheadIndex = 0;
      return undefined;
    }
    this.#aheadIndex = i;
    return i === 0 ? records : records.slice(i);
  }

  /**
   * Moves the position to `offset` and persists per policy. With a flush interval of 0 it waits
   * for the write; returns false when that write failed (the persisted offset is unchanged).
   */
  advance(offset: number): Promise<boolean> | undefined {
    this.#position = offset;
    if (this.#opts.offsets === undefined) return undefined;
    if (this.#opts.flushIntervalMs === 0) return this.flush();
    this.#flushTimer ??= this.#opts.clock.setTimeout(() => {
      this.#flushTimer = undefined;
      void this.flush();
    }, this.#opts.flushIntervalMs);
    return undefined;
  }

  /** Writes the position to the offset file if it changed (or `force`); false when the write failed. */
  async flush(force = false): Promise<boolean> {
    const offsets = this.#opts.offsets;
    if (offsets === undefined) return true;
    while (this.#flushing !== undefined) await this.#flushing;
    const target = this.#position;
    if (!force && target === this.#persisted) return true;
    this.#flushing = offsets
      .write(this.#opts.log.channel, this.#opts.id, target)
      .then(() => {
        this.#persisted = target;
        this.#failures = 0;
        return true;
      })
      .catch((err: unknown) => {
        this.#failures++;
        this.#opts.logger.error(
          {
            err,
            channel: this.#opts.log.channel,
            cursor: this.#opts.id,
            consecutive_failures: this.#failures,
          },
          'offset write failed',
        );
        return false;
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  /**
   * While offset writes fail, retries them with backoff until one succeeds (limiting how much a
   * crash would replay); rejects with `signal.reason` on abort.
   */
  async probe(signal: AbortSignal, retry: BackoffPolicy): Promise<void> {
    const backoff = new Backoff(retry);
    this.#opts.logger.warn(
      { channel: this.#opts.log.channel, cursor: this.#opts.id },
      'offset writes still failing; pausing delivery to limit duplicates',
    );
    while (this.paused) {
      await this.#opts.clock.sleep(backoff.next(), signal);
      await this.flush(true);
    }
  }

  /** Persists the position one last time and stops the flush timer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flushTimer?.clear();
    this.#flushTimer = undefined;
    await this.flush();
  }
}
