/**
 * One channel's append-only log: its segments, its single writer, readers, and the wake-ups that
 * tell cursors there is more to read (from this process's writer, or from another process's
 * appends seen through a file watch and a slow poll).
 */
import { offsetAtTime } from './time-seek.js';
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock/index.js';
import { ErrorCode, MessengerError } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { syncDirectory } from './durable-file.js';
import { FlushScheduler } from './flush-scheduler.js';
import { LogWriter, type AppendResult, type SyncPolicy } from './log-writer.js';
import { readRecords, type ReadResult } from './log-reader.js';
import type { RetentionLoss } from './retention.js';
import { newestRecordTime } from './segment-time.js';
import type { SegmentFs } from './segment-file.js';
import { findSegmentIndex, listSegments, segmentFileName, type Segment } from './segments.js';
import { TailCache } from './tail-cache.js';
import { repairTornTail, wholeLinesSize } from './torn-tail.js';

/** Settings of a {@link ChannelLog}. */
export interface ChannelLogOptions {
  channel: string;
  dir: string;
  segmentFs: SegmentFs;
  syncPolicy: SyncPolicy;
  syncIntervalMs: number;
  maxSegmentBytes: number;
  maxRecordBytes: number;
  tailCacheBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  clock: Clock;
  logger: Logger;
  /** When the writer flushes; default: a scheduler of this log's own (a data dir shares one). */
  scheduler?: FlushScheduler | undefined;
  /** Told of records a cursor lost to retention (after they are logged and counted). */
  onRetentionLoss?: ((loss: RetentionLoss) => void) | undefined;
  /**
   * Opens without changing anything on disk: the folder must exist, a torn tail is left in place
   * (and not read), and appends are refused.
   */
  readOnly?: boolean;
}

interface Waiter {
  seenEnd: number;
  onGrowth: () => void;
}

const NOTHING_TO_CANCEL = (): void => undefined;

/** A segment with its size, for stats and compaction. */
export interface SegmentInfo extends Segment {
  /** Bytes in the segment (for the active segment: up to the readable end). */
  size: number;
}

/** One channel's log. Open with {@link ChannelLog.open}. */
export class ChannelLog {
  readonly #opts: ChannelLogOptions;
  readonly #logger: Logger;
  readonly #scheduler: FlushScheduler;
  #segments: Segment[];
  /** Times of segments' first records, by segment start (see {@link offsetAtTime}). */
  readonly #firstTimes = new Map<number, number>();
  #end: number;
  #writer: LogWriter | undefined;
  #cache: TailCache;
  #handles = new Map<number, Promise<FileHandle>>();
  #waiters = new Set<Waiter>();
  #watcher: fs.FSWatcher | undefined;
  #closed = false;
  #clearing: Promise<{ segments: number; bytes: number } | undefined> | undefined;
  #openingWriter: Promise<LogWriter> | undefined;
  #awaitingWriter: ((writer: LogWriter) => void)[] = [];
  #records = 0;
  #corrupt = 0;
  #skippedBytes = 0;
  #evictedBytes = 0;
  #retentionSkippedBytes = 0;
  /** Newest record time of sealed segments, by start (sealed segments never change). */
  #newestTimes = new Map<number, number>();

  private constructor(opts: ChannelLogOptions, segments: Segment[], end: number) {
    this.#opts = opts;
    this.#logger = opts.logger.child({ channel: opts.channel });
    this.#scheduler = opts.scheduler ?? new FlushScheduler();
    this.#segments = segments;
    this.#end = end;
    this.#cache = new TailCache(opts.tailCacheBytes);
  }

  /**
   * Opens the log in `opts.dir` (created if missing). A trailing partial record left by a crash is
   * truncated away and logged with its byte count (read-only: left in place, unread).
   */
  static async open(opts: ChannelLogOptions): Promise<ChannelLog> {
    if (opts.readOnly !== true) await fsp.mkdir(opts.dir, { recursive: true });
    const segments = await listSegments(opts.dir);
    const last = segments[segments.length - 1];
    let end = 0;
    if (last !== undefined) {
      const size =
        opts.readOnly === true
          ? await wholeLinesSize(last.path)
          : await repairTornTail(last.path, opts.logger.child({ channel: opts.channel }));
      end = last.start + size;
    }
    return new ChannelLog(opts, segments, end);
  }

  /** The channel name. */
  get channel(): string {
    return this.#opts.channel;
  }

  /** Global offset of the oldest retained byte. */
  get start(): number {
    return this.#segments[0]?.start ?? this.#end;
  }

  /** Global offset just past the last readable byte. */
  get end(): number {
    return this.#end;
  }

  /** Records appended through this process since open. */
  get appendedRecords(): number {
    return this.#records;
  }

  /** Corrupt lines readers reported on this channel. */
  get corruptRecords(): number {
    return this.#corrupt;
  }

  /** Bytes readers passed over as damaged (corrupt lines, torn tails, unreadable segments). */
  get skippedBytes(): number {
    return this.#skippedBytes;
  }

  /** Counts `bytes` of damaged data a reader passed over, holding `corruptRecords` corrupt lines. */
  noteSkipped(bytes: number, corruptRecords: number): void {
    this.#skippedBytes += bytes;
    this.#corrupt += corruptRecords;
  }

  /** Bytes retention deleted from this channel since open. */
  get evictedBytes(): number {
    return this.#evictedBytes;
  }

  /** Bytes cursors stepped over because retention had deleted them, since open. */
  get retentionSkippedBytes(): number {
    return this.#retentionSkippedBytes;
  }

  /**
   * Counts and reports records `cursor` lost to retention: `skipped` ones are counted here (the
   * caller logs them); `evicted` ones were counted when deleted.
   */
  noteRetentionLoss(loss: Omit<RetentionLoss, 'channel'>): void {
    if (loss.kind === 'skipped') this.#retentionSkippedBytes += loss.to - loss.from;
    this.#opts.onRetentionLoss?.({ ...loss, channel: this.channel });
  }

  /** Time (ms) of the newest record of the sealed segment at `index` (see {@link newestRecordTime}). */
  async newestRecordTime(index: number): Promise<number> {
    const segment = this.#segments[index];
    const next = this.#segments[index + 1];
    if (segment === undefined || next === undefined) throw new RangeError(`no sealed segment ${index}`);
    let time = this.#newestTimes.get(segment.start);
    if (time === undefined) {
      time = await newestRecordTime(segment.path, next.start - segment.start);
      this.#newestTimes.set(segment.start, time);
    }
    return time;
  }

  /** The segments with their sizes, oldest first. */
  segments(): SegmentInfo[] {
    return this.#segments.map((seg, i) => {
      const next = this.#segments[i + 1];
      return { ...seg, size: (next === undefined ? this.#end : next.start) - seg.start };
    });
  }

  /**
   * Appends whole records (`data` holds `records` lines, each ending in `\n`). Resolves when they
   * are durable per the sync policy; see {@link LogWriter.append} for abort semantics.
   */
  append(data: Buffer, records: number, signal?: AbortSignal): Promise<AppendResult> {
    if (this.#opts.readOnly === true) {
      return Promise.reject(
        new MessengerError(
          ErrorCode.WRITER_CLOSED,
          `channel ${JSON.stringify(this.channel)}: opened read-only, appends are refused`,
        ),
      );
    }
    if (this.#closed) {
      return Promise.reject(
        new MessengerError(ErrorCode.WRITER_CLOSED, `channel ${JSON.stringify(this.channel)}: log is closed`),
      );
    }
    if (this.#clearing !== undefined) {
      return this.#clearing.then(() => this.append(data, records, signal));
    }
    const writer = this.#writer;
    if (writer !== undefined) return writer.append(data, records, signal);
    return new Promise<AppendResult>((resolve, reject) => {
      this.#awaitingWriter.push((opened) => {
        opened.append(data, records, signal).then(resolve, reject);
      });
      this.#openWriter().catch((err: unknown) => {
        this.#awaitingWriter = [];
        reject(err);
      });
    });
  }

  /** Whole records from `offset` when they are in the in-memory tail, without I/O. */
  readCached(offset: number, maxBytes: number): ReadResult | undefined {
    if (offset >= this.#end || offset < this.start) return undefined;
    const data = this.#cache.read(offset, maxBytes);
    if (data === undefined) return undefined;
    return { data, start: offset, next: offset + data.length, end: this.#end };
  }

  /** Whole records from `offset`, about `maxBytes` at most, from memory or the segment files. */
  async read(offset: number, maxBytes: number): Promise<ReadResult> {
    const cached = this.readCached(offset, maxBytes);
    if (cached !== undefined) return cached;
    return readRecords(
      { segments: this.#segments, end: this.#end, handle: (seg) => this.#handle(seg) },
      offset,
      maxBytes,
      this.#opts.maxRecordBytes,
    );
  }

  /**
   * `offset` when a record starts there (or it is the log's start or end, or outside the log), else
   * the offset just past the newline that ends the record holding it.
   */
  async recordStartAtOrAfter(offset: number): Promise<number> {
    if (offset <= this.start || offset >= this.#end) return offset;
    const index = findSegmentIndex(this.#segments, offset);
    const segment = this.#segments[index];
    if (segment === undefined || segment.start === offset) return offset;
    const segmentEnd = this.#segments[index + 1]?.start ?? this.#end;
    const fh = await this.#handle(segment);
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (let position = offset - 1; position < segmentEnd;) {
      const wanted = Math.min(chunk.length, segmentEnd - position);
      const { bytesRead } = await fh.read(chunk, 0, wanted, position - segment.start);
      if (bytesRead === 0) break;
      const newline = chunk.subarray(0, bytesRead).indexOf(10);
      if (newline >= 0) return position + newline + 1;
      position += bytesRead;
    }
    return segmentEnd;
  }

  /**
   * The offset of the first record whose envelope `ts` is at or after `timeMs` (the end when there
   * is none): a binary search over the segments by their first record's time, then a scan of one.
   */
  async offsetAtTime(timeMs: number): Promise<number> {
    for (const start of this.#firstTimes.keys()) if (start < this.start) this.#firstTimes.delete(start);
    return offsetAtTime(
      {
        segments: this.#segments,
        end: this.#end,
        read: (offset, maxBytes) => this.read(offset, maxBytes),
        firstTimes: this.#firstTimes,
      },
      timeMs,
    );
  }

  /**
   * The log's one wait: calls `onGrowth` (which must not throw) once the readable end moves past
   * `seenEnd` or the log closes (within this call if it already has). Returns a function that
   * cancels the wait: cheaper than aborting an AbortSignal (no abort event, no DOMException) for
   * waits that are usually cancelled. {@link untilGrowth} makes it a promise.
   */
  onGrowth(seenEnd: number, onGrowth: () => void): () => void {
    if (this.#end > seenEnd || this.#closed) {
      onGrowth();
      return NOTHING_TO_CANCEL;
    }
    const waiter: Waiter = { seenEnd, onGrowth };
    this.#waiters.add(waiter);
    this.#updateWatch();
    return () => {
      if (this.#waiters.delete(waiter)) this.#updateWatch();
    };
  }

  /** True while someone waits for this log to grow (a cursor, a live reader). */
  get hasWaiters(): boolean {
    return this.#waiters.size > 0;
  }

  /** Whether this process's writes to the channel are failing (being retried, or stopped). */
  get writesFailing(): boolean {
    return this.#writer?.failing === true;
  }

  /** True while a cursor waits for growth and no local writer will wake it. */
  get needsForeignPolling(): boolean {
    return this.hasWaiters && this.#writer === undefined && !this.#closed;
  }

  /** Picks up records another process appended (no-op while this process writes the channel). */
  async refresh(): Promise<void> {
    if (this.#writer !== undefined || this.#closed || this.#clearing !== undefined) return;
    const segments = await listSegments(this.#opts.dir);
    const last = segments[segments.length - 1];
    if (last === undefined) return;
    let size: number;
    try {
      size = (await fsp.stat(last.path)).size;
    } catch {
      return;
    }
    if (this.#writer !== undefined || this.#closed || this.#clearing !== undefined) return;
    const end = last.start + size;
    for (const seg of this.#segments) {
      if (!segments.some((s) => s.start === seg.start)) this.#dropHandle(seg.start);
    }
    this.#segments = segments;
    if (end !== this.#end) {
      this.#cache.clear();
      this.#end = end;
      this.#wake();
    }
  }

  /**
   * Deletes sealed segments lying wholly below `offset` (never the active one), because every
   * consumer read them or, with `byRetention`, because retention evicts them. Returns what was freed.
   */
  async deleteSegmentsBelow(
    offset: number,
    byRetention = false,
  ): Promise<{ segments: number; bytes: number }> {
    let freed = 0;
    let count = 0;
    while (this.#segments.length > 1) {
      const [first, second] = this.#segments;
      if (first === undefined || second === undefined || second.start > offset) break;
      this.#segments = this.#segments.slice(1);
      this.#newestTimes.delete(first.start);
      this.#dropHandle(first.start);
      try {
        await fsp.unlink(first.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#segments = [first, ...this.#segments];
          throw err;
        }
      }
      freed += second.start - first.start;
      count++;
      if (byRetention) this.#evictedBytes += second.start - first.start;
      this.#logger.info(
        { path: first.path, bytes_freed: second.start - first.start },
        byRetention ? 'evicted segment by retention' : 'deleted consumed segment',
      );
    }
    return { segments: count, bytes: freed };
  }

  /**
   * Drops every record but keeps the offset space: the log restarts empty at its current end
   * (`start === end`, the next append lands there) and every older segment file is deleted. Appends
   * made meanwhile wait and land after it. Used when a channel's history is deleted (a Durable
   * Stream deleted or expired). Returns what was freed. With `onlyAtEnd`, nothing is dropped (and
   * undefined returned) when the log has grown past that offset once pending appends are written,
   * so a caller that checked the records up to there never drops one it did not check.
   */
  clear(onlyAtEnd?: number): Promise<{ segments: number; bytes: number } | undefined> {
    this.#clearing ??= this.#clearNow(onlyAtEnd).finally(() => {
      this.#clearing = undefined;
    });
    return this.#clearing;
  }

  async #clearNow(onlyAtEnd: number | undefined): Promise<{ segments: number; bytes: number } | undefined> {
    const writer = this.#writer;
    this.#writer = undefined;
    await writer?.close();
    if (this.#closed) return { segments: 0, bytes: 0 };
    if (onlyAtEnd !== undefined && this.#end !== onlyAtEnd) {
      await this.#openWriter();
      return undefined;
    }
    const end = this.#end;
    const freedBytes = end - this.start;
    const old = this.#segments.filter((seg) => seg.start !== end);
    let active = this.#segments.find((seg) => seg.start === end);
    if (active === undefined) {
      active = { start: end, path: path.join(this.#opts.dir, segmentFileName(end)) };
      this.#opts.segmentFs.create(active.path).close();
      syncDirectory(this.#opts.dir);
    }
    this.#segments = [active];
    this.#cache.clear();
    this.#newestTimes.clear();
    for (const seg of old) {
      this.#dropHandle(seg.start);
      await fsp.rm(seg.path, { force: true });
    }
    syncDirectory(this.#opts.dir);
    await this.#openWriter();
    this.#logger.info({ segments: old.length, bytes_freed: freedBytes }, 'cleared channel history');
    return { segments: old.length, bytes: freedBytes };
  }

  /** Flushes and closes the writer and every read handle; wakes every waiter. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#writer?.close();
    this.#wake();
    for (const start of [...this.#handles.keys()]) this.#dropHandle(start);
  }

  /**
   * The writer, opened on first use; concurrent callers share one opening. Appends made before it
   * exists wait in {@link ChannelLog.#awaitingWriter} and are handed to it, in order, before anyone
   * else can reach it.
   */
  #openWriter(): Promise<LogWriter> {
    if (this.#writer !== undefined) return Promise.resolve(this.#writer);
    this.#openingWriter ??= this.#openWriterNow().finally(() => {
      this.#openingWriter = undefined;
    });
    return this.#openingWriter;
  }

  async #openWriterNow(): Promise<LogWriter> {
    await this.refresh();
    if (this.#writer !== undefined) return this.#handOverAwaiting(this.#writer);
    const last = this.#segments[this.#segments.length - 1];
    const { segmentFs } = this.#opts;
    let active;
    if (last === undefined) {
      const file = path.join(this.#opts.dir, segmentFileName(0));
      active = { file: segmentFs.create(file), start: 0, size: 0 };
      syncDirectory(this.#opts.dir);
      this.#segments = [{ start: 0, path: file }];
    } else {
      const file = segmentFs.open(last.path);
      active = { file, start: last.start, size: file.size() };
      this.#end = last.start + active.size;
    }
    this.#writer = new LogWriter(
      {
        channel: this.#opts.channel,
        dir: this.#opts.dir,
        segmentFs,
        syncPolicy: this.#opts.syncPolicy,
        syncIntervalMs: this.#opts.syncIntervalMs,
        maxSegmentBytes: this.#opts.maxSegmentBytes,
        clock: this.#opts.clock,
        logger: this.#logger,
        retryBaseMs: this.#opts.retryBaseMs,
        retryMaxMs: this.#opts.retryMaxMs,
        scheduler: this.#scheduler,
      },
      {
        committed: (start, data, records) => {
          this.#records += records;
          this.#cache.add(start, data);
          this.#end = start + data.length;
          this.#wake();
        },
        rolled: (start, file) => {
          this.#segments = [...this.#segments, { start, path: file }];
        },
      },
      active,
    );
    this.#updateWatch();
    return this.#handOverAwaiting(this.#writer);
  }

  /** Gives the appends waiting for the writer to it, in order, in the same turn it became reachable. */
  #handOverAwaiting(writer: LogWriter): LogWriter {
    for (const handOver of this.#awaitingWriter.splice(0)) handOver(writer);
    return writer;
  }

  #wake(): void {
    if (this.#waiters.size === 0) return;
    const ready: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#end > waiter.seenEnd || this.#closed) ready.push(waiter);
    }
    for (const waiter of ready) this.#waiters.delete(waiter);
    this.#updateWatch();
    for (const waiter of ready) waiter.onGrowth();
  }

  /** Watches the folder only while someone waits and no local writer will wake them. */
  #updateWatch(): void {
    const wanted = this.needsForeignPolling;
    if (wanted && this.#watcher === undefined) {
      try {
        this.#watcher = fs.watch(this.#opts.dir, { persistent: false }, this.#refreshInBackground);
        this.#watcher.on('error', (err) => {
          this.#logger.warn({ err }, 'channel folder watch failed; relying on the safety poll');
          this.#watcher?.close();
          this.#watcher = undefined;
        });
      } catch (err) {
        this.#logger.warn({ err }, 'cannot watch channel folder; relying on the safety poll');
      }
      // Appends made while nobody watched raised no event: look once now that the watch is on.
      this.#refreshInBackground();
    } else if (!wanted && this.#watcher !== undefined) {
      this.#watcher.close();
      this.#watcher = undefined;
    }
  }

  readonly #refreshInBackground = (): void => {
    void this.refresh().catch((err: unknown) => {
      this.#logger.warn({ err }, 'refresh after file change failed');
    });
  };

  #handle(segment: Segment): Promise<FileHandle> {
    let handle = this.#handles.get(segment.start);
    if (handle === undefined) {
      handle = fsp.open(segment.path, 'r');
      this.#handles.set(segment.start, handle);
      handle.catch(() => this.#handles.delete(segment.start));
    }
    return handle;
  }

  #dropHandle(start: number): void {
    const handle = this.#handles.get(start);
    if (handle === undefined) return;
    this.#handles.delete(start);
    void handle.then((fh) => fh.close()).catch(() => undefined);
  }
}
