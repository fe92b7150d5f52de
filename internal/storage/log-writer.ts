/**
 * The single writer of one channel: group commit, segment rolling, sync policies, and recovery from
 * full disks and I/O errors without ever leaving half a record in a segment.
 */
import path from 'node:path';
import type { Clock } from '../clock/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { syncDirectory } from './durable-file.js';
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
}

/** What the writer tells its log. */
export interface LogWriterHooks {
  /** Bytes `[start, start + data.length)`, holding `records` records, are committed (durable per the policy) and readable. */
  committed(start: number, data: Buffer, records: number): void;
  /** A new segment starting at `start` was created. */
  rolled(start: number, path: string): void;
}

type EntryState = 'queued' | 'writing' | 'written' | 'done';

/**
 * How long appends may be flushed from microtasks within one turn of the event loop. A publisher
 * that awaits publish after publish resolves from microtasks and would otherwise never let sockets
 * and timers run; past this budget the next flush waits for the next turn.
 */
const TURN_BUDGET_MS = 1;

/**
 * Single-record `always` batches in a row after which fsyncs run on the loop's thread. Several
 * writers that happen to arrive one at a time for a moment must not tip into blocking fsyncs, which
 * would stop the loop from reading their next appends (measured: 2 in a row did, with 16 HTTP
 * writers).
 */
export const SINGLES_BEFORE_SYNC_ON_LOOP = 8;

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
  #failureStreak = 0;
  #failureSince = 0;
  /** When the first flush of the current turn ran, or undefined when none has yet. */
  #turnStart: number | undefined;
  /** Consecutive `always` batches of a single record (see #writeAndSync). */
  #singleStreak = 0;

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

  /**
   * Flushes in a microtask, or in the next turn once this turn's budget is spent. With `always`
   * the flush waits for the end of the loop's I/O phase, so that appends arriving from many sockets
   * in one turn share one fsync (a microtask would run after the first socket's callback).
   */
  #scheduleFlush(): void {
    this.#scheduled = true;
    if (this.#opts.syncPolicy === 'always') {
      setImmediate(this.#flushQueued);
      return;
    }
    const now = performance.now();
    if (this.#turnStart === undefined) {
      this.#turnStart = now;
      setImmediate(() => {
        this.#turnStart = undefined;
      });
    }
    if (now - this.#turnStart < TURN_BUDGET_MS) queueMicrotask(this.#flushQueued);
    else setImmediate(this.#flushQueued);
  }

  /**
   * Runs once per tick with appends queued. When nothing needs a roll or a retry, the whole queue is
   * written synchronously in one write and committed in this turn: always without `always`, and with
   * it while appends come one record at a time (then fsynced on the loop's thread, see
   * {@link LogWriter.#writeAndSync}). Otherwise the asynchronous loop takes over.
   */
  readonly #flushQueued = (): void => {
    this.#scheduled = false;
    if (this.#running || this.#queue.length === 0) return;
    const always = this.#opts.syncPolicy === 'always';
    if (this.#failure === undefined && (!always || this.#continuesSingleStreak())) {
      let bytes = 0;
      for (const entry of this.#queue) bytes += entry.data.length;
      if (this.#size === 0 || this.#size + bytes <= this.#opts.maxSegmentBytes) {
        const batch = this.#queue;
        this.#queue = [];
        for (const entry of batch) entry.state = 'writing';
        try {
          this.#writeBatch(batch);
          if (always) {
            this.#singleStreak++;
            this.#syncNow();
          }
          this.#commit(batch);
          return;
        } catch (err) {
          this.#recordFailure(err);
          for (const entry of batch) if (entry.state !== 'done') entry.state = 'queued';
          this.#queue = [...batch.filter((e) => e.state === 'queued'), ...this.#queue];
        }
      }
    }
    this.#startRun();
  };

  /** Whether the queue is one single-record append that makes the streak of singles long enough. */
  #continuesSingleStreak(): boolean {
    return (
      this.#queue.length === 1 &&
      this.#queue[0]?.records === 1 &&
      this.#singleStreak + 1 >= SINGLES_BEFORE_SYNC_ON_LOOP
    );
  }

  #startRun(): void {
    this.#running = true;
    this.#idle = new Promise((r) => (this.#markIdle = r));
    void this.#run();
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

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0 && this.#failure === undefined) {
        if (this.#closed && this.#failureStreak > 0) break;
        const first = this.#queue[0];
        if (first === undefined) break;
        if (this.#size > 0 && this.#size + first.data.length > this.#opts.maxSegmentBytes) {
          if (!(await this.#attempt(() => this.#roll()))) continue;
        }
        const batch = this.#takeBatch();
        if (!(await this.#attempt(() => this.#writeAndSync(batch), batch))) continue;
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

  /** Takes the queued entries that fit in the active segment (at least one). */
  #takeBatch(): Entry[] {
    let room = this.#opts.maxSegmentBytes - this.#size;
    let count = 0;
    for (const entry of this.#queue) {
      if (count > 0 && entry.data.length > room) break;
      room -= entry.data.length;
      count++;
    }
    const batch = this.#queue.splice(0, count);
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
      if (this.#failureStreak > 0) {
        this.#opts.logger.info(
          {
            channel: this.#opts.channel,
            attempts: this.#failureStreak,
            waited_ms: this.#opts.clock.now() - this.#failureSince,
          },
          'channel writer recovered',
        );
        this.#failureStreak = 0;
      }
      return true;
    } catch (err) {
      const live = batch.filter((e) => e.state !== 'done');
      for (const entry of live) entry.state = 'queued';
      this.#queue.unshift(...live);
      if (this.#failure !== undefined) return false;
      this.#recordFailure(err);
      const delay = Math.min(
        this.#opts.retryMaxMs,
        this.#opts.retryBaseMs * 2 ** Math.min(this.#failureStreak - 1, 20),
      );
      try {
        await this.#opts.clock.sleep(delay, this.#lifetime.signal);
      } catch {
        // closing: the loop stops and close() rejects what is queued
      }
      return false;
    }
  }

  /** Counts a failed step and logs the first failure of a streak and every tenth. */
  #recordFailure(err: unknown): void {
    if (this.#failure !== undefined) return;
    if (this.#failureStreak === 0) this.#failureSince = this.#opts.clock.now();
    this.#failureStreak++;
    if (this.#failureStreak === 1 || this.#failureStreak % 10 === 0) {
      this.#opts.logger.warn(
        {
          err,
          channel: this.#opts.channel,
          attempt: this.#failureStreak,
          waiting_publishes: this.#queue.length,
        },
        'channel write failed; publishers wait and the write is retried',
      );
    }
  }

  /**
   * Writes the batch as one buffer; with `always`, fsyncs it; then commits and resolves it.
   *
   * While appends come one record at a time (one caller awaiting each append, as a lone publisher
   * or HTTP writer does), the fsync is made on the loop's thread: there is no concurrency to keep,
   * and a thread-pool round trip would cost more. Once batches hold several records, fsyncs go to
   * the thread pool, so the loop keeps reading appends for the next batch meanwhile.
   */
  async #writeAndSync(batch: Entry[]): Promise<void> {
    this.#writeBatch(batch);
    if (this.#opts.syncPolicy === 'always') {
      const single = batch.length === 1 && batch[0]?.records === 1 && this.#queue.length === 0;
      this.#singleStreak = single ? this.#singleStreak + 1 : 0;
      if (this.#singleStreak >= SINGLES_BEFORE_SYNC_ON_LOOP) {
        this.#syncNow();
      } else {
        try {
          await this.#file.datasync();
        } catch (err) {
          this.#truncateOrFail(this.#syncedSize, err);
          throw err;
        }
        this.#syncedSize = this.#size;
      }
    }
    this.#commit(batch);
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
  #commit(batch: Entry[]): void {
    const data = this.#pendingCommit;
    const first = batch[0];
    if (data === undefined || first === undefined) return;
    this.#pendingCommit = undefined;
    let records = 0;
    for (const entry of batch) records += entry.records;
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
