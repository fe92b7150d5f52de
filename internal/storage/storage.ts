/**
 * A data dir: its lock, its channel logs, its offset files, and the slow safety poll that catches
 * appends made by other processes.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import { isDeadLetterChannel, validateChannelName } from '../naming/index.js';
import { ChannelLog } from './channel-log.js';
import { createDataDirFolders, dataDirError } from './data-dir-errors.js';
import { assertDataDirUnowned, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { syncDirectory } from './durable-file.js';
import { FlushScheduler } from './flush-scheduler.js';
import { ErrorCode, MessengerError } from '../errors/index.js';
import type { AppendResult, SyncPolicy } from './log-writer.js';
import { OffsetStore, type StoredOffset } from './offset-store.js';
import type { RetentionLoss } from './retention.js';
import { nodeSegmentFs, type SegmentFs } from './segment-file.js';
import { listSegmentsSync } from './segments.js';

/** Settings of a {@link Storage}. */
export interface StorageOptions {
  dataDir: string;
  syncPolicy: SyncPolicy;
  syncIntervalMs: number;
  /** Segment roll size (`compaction_threshold_mb` × 2^20). */
  maxSegmentBytes: number;
  /** Segment roll size of `.dead-letter` channels; default `maxSegmentBytes`. */
  deadLetterSegmentBytes?: number;
  /** Largest record accepted on append and returned by reads. */
  maxRecordBytes: number;
  /** Newest bytes per channel kept in memory for caught-up readers. */
  tailCacheBytes: number;
  /** Interval of the safety poll for appends made by other processes. */
  pollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  clock: Clock;
  logger: Logger;
  segmentFs?: SegmentFs;
  /** When the channels' writers flush; default: the real event loop's. */
  scheduler?: FlushScheduler;
  /** Told of records a cursor lost to retention (see {@link ChannelLog.noteRetentionLoss}). */
  onRetentionLoss?: (loss: RetentionLoss) => void;
}

const RETAINED_MARKER = '.retained';

/**
 * The one way package code appends encoded envelope lines (`records` lines, each ending in `\n`) to a
 * channel: the Messenger's append path, which refuses once it is closed. Federation, the Durable
 * Streams service and the internal face all hold this same function.
 */
export type AppendLines = (
  channel: string,
  lines: Buffer,
  records: number,
  signal?: AbortSignal,
) => Promise<AppendResult>;

/** One channel in a {@link Storage.snapshot}. */
export interface ChannelSnapshot {
  channel: string;
  /** Its log when open in this process (live figures and counters), else undefined. */
  log: ChannelLog | undefined;
  /** Offset of the oldest retained byte: from the log when open, else from the segment files. */
  start: number;
  /** Offset just past the newest byte (a torn tail included while the log is not open). */
  end: number;
  /** Segment files. */
  segments: number;
  /** Its offset files (subscribers, federation cursors), whoever opened them. */
  offsets: StoredOffset[];
  /** Offset files that could not be read (corrupt, or an I/O error), never left out silently. */
  offsetErrors: { file: string; err: unknown }[];
}

/** An open data dir. */
export class Storage {
  readonly #opts: StorageOptions;
  readonly #lock: DataDirLock | undefined;
  readonly #logs = new Map<string, Promise<ChannelLog>>();
  /** The logs of {@link Storage.#logs} once opened, reachable without awaiting. */
  readonly #opened = new Map<string, ChannelLog>();
  readonly #openListeners = new Set<(log: ChannelLog) => void>();
  readonly #poll: { clear(): void };
  /** The offset files of this data dir. */
  readonly offsets: OffsetStore;
  /** `channels/` */
  readonly channelsDir: string;
  /** The scheduling policy every writer of this data dir follows (and streams answer by). */
  readonly scheduler: FlushScheduler;
  #closed = false;

  private constructor(opts: StorageOptions, lock: DataDirLock | undefined) {
    this.#opts = opts;
    this.#lock = lock;
    this.channelsDir = path.join(opts.dataDir, 'channels');
    this.scheduler = opts.scheduler ?? new FlushScheduler();
    this.offsets = new OffsetStore(path.join(opts.dataDir, 'subscribers'));
    this.#poll = opts.clock.setInterval(() => {
      void this.#pollForeignAppends();
    }, opts.pollIntervalMs);
  }

  /**
   * Creates the folders, takes the data-dir lock, and opens the storage.
   *
   * @throws MessengerError `ERR_DATA_DIR_LOCKED` when another process owns the data dir;
   * `ERR_DATA_DIR_UNUSABLE` naming the path and the cause when it cannot be created or written.
   */
  static async open(opts: StorageOptions): Promise<Storage> {
    await createDataDirFolders(opts.dataDir, ['channels', 'subscribers', 'audit']);
    let lock: DataDirLock;
    try {
      lock = lockDataDir(opts.dataDir);
    } catch (err) {
      throw dataDirError(opts.dataDir, 'writing the lock file', path.join(opts.dataDir, 'LOCK'), err);
    }
    return new Storage(opts, lock);
  }

  /**
   * Opens an existing data dir to read it, changing nothing on disk: no lock is taken (a stale one is
   * left in place), no folder is created, torn tails stay unread, appends and retention marks are
   * refused.
   *
   * @throws MessengerError `ERR_DATA_DIR_LOCKED` while a live process owns the data dir;
   * `ERR_DATA_DIR_UNUSABLE` when it has no `channels` folder.
   */
  static async openReadOnly(opts: StorageOptions): Promise<Storage> {
    const channels = path.join(opts.dataDir, 'channels');
    try {
      await fsp.access(channels);
    } catch (err) {
      throw dataDirError(opts.dataDir, 'reading the folder', channels, err);
    }
    assertDataDirUnowned(opts.dataDir);
    return new Storage(opts, undefined);
  }

  /** Whether this storage was opened with {@link Storage.openReadOnly}. */
  get readOnly(): boolean {
    return this.#lock === undefined;
  }

  /** The settings this storage was opened with. */
  get options(): Readonly<StorageOptions> {
    return this.#opts;
  }

  /** The log of `channel`, opened on first use. */
  log(channel: string): Promise<ChannelLog> {
    let log = this.#logs.get(channel);
    if (log === undefined) {
      validateChannelName(channel);
      log = ChannelLog.open({
        channel,
        dir: path.join(this.channelsDir, channel),
        segmentFs: this.#opts.segmentFs ?? nodeSegmentFs,
        syncPolicy: this.#opts.syncPolicy,
        syncIntervalMs: this.#opts.syncIntervalMs,
        maxSegmentBytes: isDeadLetterChannel(channel)
          ? (this.#opts.deadLetterSegmentBytes ?? this.#opts.maxSegmentBytes)
          : this.#opts.maxSegmentBytes,
        maxRecordBytes: this.#opts.maxRecordBytes,
        tailCacheBytes: this.#opts.tailCacheBytes,
        retryBaseMs: this.#opts.retryBaseMs,
        retryMaxMs: this.#opts.retryMaxMs,
        clock: this.#opts.clock,
        logger: this.#opts.logger,
        scheduler: this.scheduler,
        onRetentionLoss: this.#opts.onRetentionLoss,
        readOnly: this.readOnly,
      });
      this.#logs.set(channel, log);
      // The first reaction to the opening: whoever chained on it afterwards finds the log open.
      log.then(
        (opened) => {
          this.#opened.set(channel, opened);
          for (const listener of this.#openListeners) listener(opened);
        },
        () => this.#logs.delete(channel),
      );
    }
    return log;
  }

  /**
   * The log of `channel` when it is open in this process, synchronously; undefined while it is not
   * (never asked for, still opening, or failed to open). Callers that chain on {@link Storage.log}
   * during the opening run after the log becomes reachable here, so an append that finds it here
   * cannot overtake one that chained.
   */
  logIfOpen(channel: string): ChannelLog | undefined {
    return this.#opened.get(channel);
  }

  /**
   * Every channel of the data dir (a folder under `channels/`) and every log open in this process,
   * with its offset files, read synchronously: a snapshot for stats, costing a directory listing per
   * channel, a `stat` per channel not open here, and a read per offset file.
   */
  snapshot(): ChannelSnapshot[] {
    const names = new Set([...channelFolders(this.channelsDir), ...this.#opened.keys()]);
    return [...names].sort().map((channel) => {
      const log = this.#opened.get(channel);
      const { offsets, errors } = this.offsets.listSync(channel);
      const figures =
        log === undefined
          ? segmentFigures(path.join(this.channelsDir, channel))
          : { start: log.start, end: log.end, segments: log.segments().length };
      return { channel, log, ...figures, offsets, offsetErrors: errors };
    });
  }

  /** The open channels whose writes are failing (being retried, or stopped), sorted. */
  failingChannels(): string[] {
    return [...this.#opened.values()]
      .filter((log) => log.writesFailing)
      .map((log) => log.channel)
      .sort();
  }

  /**
   * Calls `listener` (which must not throw) with each log opened from now on, once per channel: how
   * a reader waiting for a channel that does not exist yet learns that it does. Returns a function
   * that stops the calls.
   */
  onLogOpened(listener: (log: ChannelLog) => void): () => void {
    this.#openListeners.add(listener);
    return () => this.#openListeners.delete(listener);
  }

  /** Whether `channel` exists: opened in this process, or a folder in the data dir. */
  async hasChannel(channel: string): Promise<boolean> {
    if (this.#logs.has(channel)) return true;
    validateChannelName(channel);
    const stat = await fsp.stat(path.join(this.channelsDir, channel)).catch(() => undefined);
    return stat?.isDirectory() === true;
  }

  /** The logs opened so far. */
  async openLogs(): Promise<ChannelLog[]> {
    return Promise.all(this.#logs.values());
  }

  /** Every channel that has a folder in the data dir. */
  async channelsOnDisk(): Promise<string[]> {
    const entries = await fsp.readdir(this.channelsDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  /** Every channel: a folder in the data dir, or a log opened in this process (maybe not on disk yet). */
  async existingChannels(): Promise<Set<string>> {
    const opened = (await this.openLogs()).map((log) => log.channel);
    return new Set([...(await this.channelsOnDisk()), ...opened]);
  }

  /**
   * Marks `channel` retained (never compacted by consumption, nor evicted by retention unless an
   * override names it) or not; the mark is kept on disk.
   */
  async setRetained(channel: string, retained: boolean): Promise<void> {
    validateChannelName(channel);
    if (this.readOnly) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `channel ${JSON.stringify(channel)}: the data dir is open read-only`,
      );
    }
    const marker = path.join(this.channelsDir, channel, RETAINED_MARKER);
    if (retained) {
      await fsp.mkdir(path.dirname(marker), { recursive: true });
      await fsp.writeFile(marker, '');
    } else {
      await fsp.rm(marker, { force: true });
    }
  }

  /** Whether `channel` is retained. */
  async isRetained(channel: string): Promise<boolean> {
    try {
      await fsp.access(path.join(this.channelsDir, channel, RETAINED_MARKER));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Deletes `channel` for good: its log is closed (when open here) and forgotten, its folder (segments,
   * retention mark) and its offset files are removed, so the next append starts a fresh channel at
   * offset 0. Whoever still reads the closed log sees it end; callers check that nobody does.
   *
   * @throws MessengerError `ERR_INVALID_ARGUMENT` when the data dir is open read-only.
   */
  async removeChannel(channel: string): Promise<{ segments: number; bytes: number }> {
    validateChannelName(channel);
    if (this.readOnly) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `channel ${JSON.stringify(channel)}: the data dir is open read-only`,
      );
    }
    const dir = path.join(this.channelsDir, channel);
    const open = await this.#logs.get(channel)?.catch(() => undefined);
    const figures =
      open === undefined
        ? segmentFigures(dir)
        : { start: open.start, end: open.end, segments: open.segments().length };
    this.#logs.delete(channel);
    this.#opened.delete(channel);
    await open?.close();
    await fsp.rm(dir, { recursive: true, force: true });
    await this.offsets.removeChannel(channel);
    syncDirectory(this.channelsDir);
    return { segments: figures.segments, bytes: figures.end - figures.start };
  }

  /** Closes every log (flushing writers) and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#poll.clear();
    const logs = await Promise.allSettled(this.#logs.values());
    for (const result of logs) {
      if (result.status === 'fulfilled') await result.value.close();
    }
    this.#lock?.release();
  }

  async #pollForeignAppends(): Promise<void> {
    for (const pending of this.#logs.values()) {
      const log = await pending.catch(() => undefined);
      if (log?.needsForeignPolling !== true) continue;
      await log.refresh().catch((err: unknown) => {
        this.#opts.logger.warn({ err, channel: log.channel }, 'safety poll failed');
      });
    }
  }
}

/** The channel folders under `dir` (none when it is missing). */
function channelFolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Start, end and segment count of a channel folder that is not open, from its file names and sizes. */
function segmentFigures(dir: string): { start: number; end: number; segments: number } {
  const segments = listSegmentsSync(dir);
  const first = segments[0];
  const last = segments.at(-1);
  if (first === undefined || last === undefined) return { start: 0, end: 0, segments: 0 };
  const size = fs.statSync(last.path, { throwIfNoEntry: false })?.size ?? 0;
  return { start: first.start, end: last.start + size, segments: segments.length };
}
