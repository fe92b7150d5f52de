/**
 * The single writer of one channel: group commit, segment rolling, sync policies, and recovery from
 * full disks and I/O errors without ever leaving half a record in a segment.
 */
import path from 'node:path';
import { Backoff, keepProcessAlive, type Clock } from '../clock/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { syncDirectory } from './durable-file.js';
import type { FlushScheduler, WriterSchedule } from './flush-scheduler.js';
import { writeFully, type SegmentFile, type SegmentFs } from './segment-file.js';
import { segmentFileName } from './segments.js';

/** How a writer makes appends durable. */
export type SyncPolicy = 'none' | 'periodic' | 'always';

/** Where an append landed. */
export interface AppendResult {
  /** Global offset of the append's first byte. */
  start: number;
  /** Global offset just past the append's last byte. */
  end: number;
}

/** Settings of a {@link LogWriter}. */
export interface LogWriterOptions {
  channel: string;
  dir: string;
  segmentFs: SegmentFs;
  syncPolicy: SyncPolicy;
  syncIntervalMs: number;
  maxSegmentBytes: number;
  clock: Clock;
  logger: Logger;
  /** First retry delay after a failed write, doubled up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** When flushes run and where fsyncs are made. */
  scheduler: FlushScheduler;
}

/** What the writer tells its log. */
export interface LogWriterHooks {
  /** Bytes `[start, start + data.length)`, holding `records` records, are committed (durable per the policy) and readable. */
  committed(start: number, data: Buffer, records: number): void;
  /** A new segment starting at `start` was created. */
  rolled(start: number, path: string): void;
}

type EntryState = 'queued' | 'writing' | 'written' | 'done';

interface Entry {
  data: Buffer;
  records: number;
  state: EntryState;
  start: number;
  resolve: (result: AppendResult) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Appends whole records to a channel's active segment, one writer per channel. */
export class LogWriter {
  readonly #opts: LogWriterOptions;
  readonly #hooks: LogWriterHooks;
  #file: SegmentFile;
  #segmentStart: number;
  #size: number;
  #syncedSize: number;
  #queue: Entry[] = [];
  #running = false;
  #scheduled = false;
  #closed = false;
  #failure: MessengerError | undefined;
  readonly #lifetime = new AbortController();
  #periodicSync: Promise<void> | undefined;
  #pendingCommit: Buffer | undefined;
  #periodicTimer: { clear(): void } | undefined;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;
  /** Delays between attempts while writes fail; its failure count is the current streak. */
  readonly #backoff: Backoff;
  #failureSince = 0;
  readonly #schedule: WriterSchedule;

  /**
   * @param opts - settings
   * @param hooks - commit and roll notifications
   * @param active - the open active segment, its start offset and its size
   */
  constructor(
    opts: LogWriterOptions,
    hooks: LogWriterHooks,
    active: { file: SegmentFile; start: number; size: number },
  ) {
    this.#opts = opts;
    this.#hooks = hooks;
    this.#file = active.file;
    this.#segmentStart = active.start;
    this.#size = active.size;
    this.#syncedSize = active.size;
    this.#backoff = new Backoff({ baseMs: opts.retryBaseMs, maxMs: opts.retryMaxMs });
    this.#schedule = opts.scheduler.forWriter(opts.syncPolicy === 'always');
    if (opts.syncPolicy === 'periodic') {
      this.#periodicTimer = opts.clock.setInterval(() => {
        void this.#syncPeriodically();
      }, opts.syncIntervalMs);
    }
  }

  /** Global offset just past the last written byte. */
  get end(): number {
    return this.#segmentStart + this.#size;
  }

  /** Whether writes are failing: a streak of failed attempts being retried, or a stopped writer. */
  get failing(): boolean {
    return this.#failure !== undefined || this.#backoff.failures > 0;
  }

  /** The error that stopped the writer, if any. */
  get failure(): MessengerError | undefined {
    return this.#failure;
  }

  /**
   * Appends `data` (`records` whole records, each ending in `\n`). Resolves when the bytes are
   * written and, with `always`, fsynced. An aborted `signal` releases the caller only while its
   * bytes are not yet written; it then rejects with `signal.reason` and nothing of it is stored.
   */
  append(data: Buffer, records: number, signal?: AbortSignal): Promise<AppendResult> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(this.#closedError());
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<AppendResult>((resolve, reject) => {
      const entry: Entry = {
        data,
        records,
        state: 'queued',
        start: 0,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        entry.onAbort = () => {
          if (entry.state !== 'queued') return;
          entry.state = 'done';
          const i = this.#queue.indexOf(entry);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#queue.push(entry);
      if (!this.#scheduled && !this.#running) this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    this.#scheduled = true;
    this.#schedule.schedule(this.#flushQueued);
  }

  /**
   * Runs when the schedule says so, with appends queued. Batches that need no roll, no retry and no
   * fsync in the thread pool are written, made durable per the policy and committed right here, in
   * this turn: always without `always`, and with it while appends come one record at a time (see
   * {@link WriterSchedule.syncOnLoop}). Otherwise the asynchronous loop takes over, from the batch
   * whose fsync is under way if there is one.
   */
  readonly #flushQueued = (): void => {
    this.#scheduled = false;
    if (this.#running) return;
    while (this.#queue.length > 0 && this.#failure === undefined && !this.#needsRoll()) {
      const batch = this.#takeBatch();
      let syncing: Promise<void> | undefined;
      try {
        syncing = this.#writeAndSync(batch);
      } catch (err) {
        this.#putBack(batch);
        this.#recordFailure(err);
        break;
      }
      if (syncing !== undefined) {
        this.#startRun({ batch, syncing });
        return;
      }
    }
    if (this.#queue.length > 0) this.#startRun();
  };

  /** Starts the asynchronous loop, first waiting for `syncing`, the fsync of a batch written already. */
  #startRun(syncing?: { batch: Entry[]; syncing: Promise<void> }): void {
    this.#running = true;
    this.#idle = new Promise((r) => (this.#markIdle = r));
    void this.#run(syncing);
  }

  /**
   * Stops accepting appends, waits for the append in progress, rejects what is still queued (a
   * write that keeps failing), fsyncs and closes the segment. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.#idle;
    this.#closed = true;
    this.#periodicTimer?.clear();
    this.#lifetime.abort();
    await this.#idle;
    await this.#periodicSync;
    this.#rejectQueued(this.#failure ?? this.#closedError());
    if (this.#failure === undefined && this.#size > this.#syncedSize) {
      try {
        await this.#file.datasync();
      } catch (err) {
        this.#opts.logger.error({ err, channel: this.#opts.channel }, 'fsync on close failed');
      }
    }
    this.#file.close();
  }

  #closedError(): MessengerError {
    return new MessengerError(
      ErrorCode.WRITER_CLOSED,
      `channel ${JSON.stringify(this.#opts.channel)}: writer is closed`,
    );
  }

  async #run(syncing?: { batch: Entry[]; syncing: Promise<void> }): Promise<void> {
    try {
      if (syncing !== undefined) await this.#attempt(() => syncing.syncing, syncing.batch);
      while (this.#queue.length > 0 && this.#failure === undefined) {
        if (this.#closed && this.#backoff.failures > 0) break;
        if (this.#needsRoll() && !(await this.#attempt(() => this.#roll()))) continue;
        const batch = this.#takeBatch();
        await this.#attempt(() => this.#writeAndSync(batch), batch);
      }
    } finally {
      this.#running = false;
      this.#markIdle();
      if (this.#queue.length > 0 && this.#failure === undefined && !this.#closed) {
        this.#scheduleFlush();
      } else if (this.#closed || this.#failure !== undefined) {
        this.#rejectQueued(this.#failure ?? this.#closedError());
      }
    }
  }

  /** Whether the first queued append does not fit in the active segment (an empty one takes anything). */
  #needsRoll(): boolean {
    const first = this.#queue[0];
    return (
      first !== undefined && this.#size > 0 && this.#size + first.data.length > this.#opts.maxSegmentBytes
    );
  }

  /** Takes the queued entries that fit in the active segment (at least one). */
  #takeBatch(): Entry[] {
    let room = this.#opts.maxSegmentBytes - this.#size;
    let count = 0;
    for (const entry of this.#queue) {
      if (count > 0 && entry.data.length > room) break;
      room -= entry.data.length;
      count++;
    }
    let batch = this.#queue;
    if (count === batch.length) this.#queue = [];
    else batch = batch.splice(0, count);
    for (const entry of batch) entry.state = 'writing';
    return batch;
  }

  /**
   * Runs one step; on failure puts `batch` back at the head of the queue (still abortable), logs,
   * and waits out the backoff. Returns whether the step succeeded.
   */
  async #attempt(step: () => Promise<void> | void, batch: Entry[] = []): Promise<boolean> {
    try {
      await step();
      if (this.#backoff.failures > 0) {
        this.#opts.logger.info(
          {
            channel: this.#opts.channel,
            attempts: this.#backoff.failures,
            waited_ms: this.#opts.clock.now() - this.#failureSince,
          },
          'channel writer recovered',
        );
        this.#backoff.reset();
      }
      return true;
    } catch (err) {
      this.#putBack(batch);
      if (this.#failure !== undefined) return false;
      const delay = this.#recordFailure(err);
      // Publishers await this batch: the process must not exit while its write waits to be retried.
      const release = keepProcessAlive();
      try {
        await this.#opts.clock.sleep(delay, this.#lifetime.signal);
      } catch {
        // closing: the loop stops and close() rejects what is queued
      } finally {
        release();
      }
      return false;
    }
  }

  /** Puts a batch whose write failed back at the head of the queue (still abortable). */
  #putBack(batch: Entry[]): void {
    const live = batch.filter((e) => e.state !== 'done');
    for (const entry of live) entry.state = 'queued';
    this.#queue.unshift(...live);
  }

  /**
   * Counts a failed step, logs the first failure of a streak and every tenth, and returns the delay
   * before the next attempt.
   */
  #recordFailure(err: unknown): number {
    if (this.#failure !== undefined) return 0;
    if (this.#backoff.failures === 0) this.#failureSince = this.#opts.clock.now();
    const delay = this.#backoff.next();
    const attempt = this.#backoff.failures;
    if (attempt === 1 || attempt % 10 === 0) {
      this.#opts.logger.warn(
        { err, channel: this.#opts.channel, attempt, waiting_publishes: this.#queue.length },
        'channel write failed; publishers wait and the write is retried',
      );
    }
    return delay;
  }

  /**
   * Writes the batch as one buffer, makes it durable per the policy and commits it: within this
   * call (returning undefined) unless its fsync goes to the thread pool, as the schedule decides
   * ({@link WriterSchedule.syncOnLoop}); then the returned promise settles once it is committed. On
   * failure the segment is cut back to its last durable size and the error thrown (or rejected).
   */
  #writeAndSync(batch: Entry[]): Promise<void> | undefined {
    this.#writeBatch(batch);
    let records = 0;
    for (const entry of batch) records += entry.records;
    if (this.#schedule.syncOnLoop(batch.length, records, this.#queue.length)) {
      if (this.#opts.syncPolicy === 'always') this.#syncNow();
      this.#commit(batch, records);
      return undefined;
    }
    return this.#file.datasync().then(
      () => {
        this.#syncedSize = this.#size;
        this.#commit(batch, records);
      },
      (err: unknown) => {
        this.#truncateOrFail(this.#syncedSize, err);
        throw err;
      },
    );
  }

  /** Fsyncs on the loop's thread; on failure cuts the segment back to its last durable size and throws. */
  #syncNow(): void {
    try {
      this.#file.datasyncNow();
    } catch (err) {
      this.#truncateOrFail(this.#syncedSize, err);
      throw err;
    }
    this.#syncedSize = this.#size;
  }

  /** Writes the batch's bytes in one write and assigns each entry its offset. */
  #writeBatch(batch: Entry[]): void {
    const before = this.#size;
    const first = batch[0];
    const data =
      batch.length === 1 && first !== undefined ? first.data : Buffer.concat(batch.map((e) => e.data));
    this.#writeAll(data, before);
    let offset = this.#segmentStart + before;
    for (const entry of batch) {
      entry.state = 'written';
      entry.start = offset;
      offset += entry.data.length;
    }
    this.#pendingCommit = data;
  }

  /** Publishes the written batch to readers and resolves its callers. */
  #commit(batch: Entry[], records: number): void {
    const data = this.#pendingCommit;
    const first = batch[0];
    if (data === undefined || first === undefined) return;
    this.#pendingCommit = undefined;
    this.#hooks.committed(first.start, data, records);
    for (const entry of batch) {
      entry.state = 'done';
      if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
      entry.resolve({ start: entry.start, end: entry.start + entry.data.length });
    }
  }

  /** Writes every byte of `data`, or truncates back to `before` and throws. */
  #writeAll(data: Buffer, before: number): void {
    try {
      writeFully(this.#file, data);
      this.#size = before + data.length;
    } catch (err) {
      this.#truncateOrFail(before, err);
      throw err;
    }
  }

  /** Cuts the segment back to `size`; if even that fails, the writer stops for good. */
  #truncateOrFail(size: number, cause: unknown): void {
    try {
      this.#file.truncate(size);
      this.#size = size;
    } catch (err) {
      this.#failure = new MessengerError(
        ErrorCode.WRITER_FAILED,
        `channel ${JSON.stringify(this.#opts.channel)}: a write failed (${errorMessage(cause)}) and the segment ${this.#file.path} could not be truncated back (${errorMessage(err)}); the writer is stopped to avoid a corrupt record`,
        { cause: err },
      );
      this.#opts.logger.error({ err: this.#failure, channel: this.#opts.channel }, 'channel writer failed');
      throw this.#failure;
    }
  }

  /** Seals the active segment (fsync, close) and opens a new one named by its start offset. */
  async #roll(): Promise<void> {
    await this.#periodicSync;
    if (this.#size > this.#syncedSize) await this.#file.datasync();
    this.#syncedSize = this.#size;
    const start = this.#segmentStart + this.#size;
    const file = path.join(this.#opts.dir, segmentFileName(start));
    let next: SegmentFile;
    try {
      next = this.#opts.segmentFs.create(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      next = this.#opts.segmentFs.open(file);
      if (next.size() !== 0) {
        next.close();
        throw err;
      }
    }
    syncDirectory(this.#opts.dir);
    this.#file.close();
    this.#file = next;
    this.#segmentStart = start;
    this.#size = 0;
    this.#syncedSize = 0;
    this.#hooks.rolled(start, file);
  }

  async #syncPeriodically(): Promise<void> {
    if (this.#periodicSync !== undefined || this.#size === this.#syncedSize || this.#failure !== undefined)
      return;
    const target = this.#size;
    const file = this.#file;
    this.#periodicSync = file
      .datasync()
      .then(() => {
        if (file === this.#file) this.#syncedSize = Math.max(this.#syncedSize, target);
      })
      .catch((err: unknown) => {
        this.#opts.logger.error(
          { err, channel: this.#opts.channel },
          'periodic fsync failed; retrying at the next interval',
        );
      })
      .finally(() => {
        this.#periodicSync = undefined;
      });
    await this.#periodicSync;
  }

  #rejectQueued(err: unknown): void {
    const queued = this.#queue.splice(0);
    for (const entry of queued) {
      entry.state = 'done';
      if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
      entry.reject(err);
    }
  }
}
