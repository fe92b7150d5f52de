/**
 * The asynchronous audit log writer: `{dir}/audit.jsonl`, batched appends, size-based rotation.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Backoff, systemClock } from '../clock/index.js';
import type { Clock, TimerHandle } from '../clock/index.js';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { silentLogger } from '../logger/index.js';
import type { Logger } from '../logger/index.js';
import {
  nodeSegmentFs,
  openOrCreate,
  repairTornTail,
  writeFully,
  type SegmentFile,
  type SegmentFs,
} from '../storage/index.js';
import { encodeAuditLines, formatAuditLine } from './record.js';
import type { AuditRecord } from './record.js';
import { rotateFiles } from './rotate.js';

/** Name of the live audit file inside the audit directory. */
export const AUDIT_FILE_NAME = 'audit.jsonl';

/** Options of {@link AuditLog}. Defaults are Go's. */
export interface AuditLogOptions {
  /** Directory of `audit.jsonl` (normally `{data_dir}/audit`); created when missing. */
  readonly dir: string;
  /** Rotate once the live file reaches this size (`audit.max_size_mb` × 2^20). Default 100 MiB. */
  readonly maxSizeBytes?: number;
  /** Rotated files to keep besides the live one (`audit.max_files`). Default 10. */
  readonly maxFiles?: number;
  /** Events that may wait for the writer; beyond that they are dropped and counted. Default 16384. */
  readonly queueSize?: number;
  /**
   * How long the writer lets events gather before it writes them, so a steady trickle costs one
   * write per interval rather than one per event. Default 10 ms; 0 writes at the end of the current
   * turn of the event loop. `close()` writes at once.
   */
  readonly gatherMs?: number;
  /** How often dropped events are reported with a warning. Default 5000 ms. */
  readonly dropReportIntervalMs?: number;
  /** Where drop reports and file errors go. Default: silent. */
  readonly logger?: Logger;
  /** Time source for timestamps, the drop report timer and write retries. Default: the system clock. */
  readonly clock?: Clock;
  /** The file seam (as for channel segments), for injecting write faults in tests. Default: the real one. */
  readonly fileFs?: SegmentFs;
}

/** Counters of an {@link AuditLog}. */
export interface AuditStats {
  /** Events appended to the file. */
  readonly written: number;
  /**
   * Events lost: queue full (also while a failing write is retried), logged after close, invalid, the
   * file could not be opened, or a write still failed at close.
   */
  readonly dropped: number;
  /** Failed writes (each retry counts); the file was cut back each time, so no line is torn. */
  readonly writeFailures: number;
}

/**
 * Queued events, formatted by the writer, off the path of whoever logged them (an inbound batch is
 * acknowledged sooner). `render` returns their lines, each with its newline (as text or as UTF-8),
 * and throws for a record that cannot be serialised.
 */
interface Queued {
  readonly render: () => string | Buffer;
  readonly events: number;
}

/** Formatted events: one or more whole lines. */
interface Rendered {
  readonly data: Buffer;
  readonly events: number;
}

interface OpenFile {
  readonly file: SegmentFile;
  size: number;
}

const MIB = 1024 * 1024;
/** Delays before retrying a failed write: 100 ms, doubled up to 5 s. */
const WRITE_RETRY = { baseMs: 100, maxMs: 5_000 };

/**
 * Appends {@link AuditRecord}s to `{dir}/audit.jsonl` (mode 0644) without ever blocking or throwing at
 * the caller.
 *
 * @remarks
 * {@link AuditLog.log} puts the event in a bounded queue; the writer lets events gather for `gatherMs`,
 * then drains everything queued in one append. Dropped events are counted and reported as a warning every
 * `dropReportIntervalMs` and at close. When the live file reaches `maxSizeBytes` after an append it is
 * rotated: `.N` → `.N+1` (N = maxFiles-1 … 1), live → `.1`, anything beyond `.maxFiles` removed. If the
 * file cannot be opened the events are dropped and the open is retried at the next write.
 *
 * Writes follow the channel writer's discipline: a failed or partial write (ENOSPC, EIO) is cut
 * back to the last whole line and retried with backoff (100 ms doubling to 5 s) while new events
 * queue up to `queueSize`; a file found ending in half a line (a crash) is cut back when opened. The
 * file never holds a torn line.
 *
 * @example
 * ```ts
 * const audit = new AuditLog({ dir: join(dataDir, 'audit'), logger });
 * audit.log({ event: AuditEvent.CLIENT_REJECTED, peer: 'mallory' });
 * await audit.close();
 * ```
 */
export class AuditLog {
  readonly #path: string;
  readonly #dir: string;
  readonly #maxSizeBytes: number;
  readonly #maxFiles: number;
  readonly #queueSize: number;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #dropReporter: TimerHandle;
  readonly #gatherMs: number;
  readonly #fileFs: SegmentFs;
  /** Aborted by close(), which ends a gathering wait at once. */
  readonly #stopGathering = new AbortController();
  #queue: Queued[] = [];
  /** Rendered events whose write failed, retried before the queue is taken. */
  #unwritten: Rendered[] = [];
  #queuedEvents = 0;
  #file: OpenFile | undefined;
  #openFailing = false;
  #running: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #written = 0;
  #dropped = 0;
  #droppedUnreported = 0;
  #writeFailures = 0;

  /**
   * Creates the log; the directory and file are opened lazily at the first write.
   *
   * @throws MessengerError `ERR_INVALID_ARGUMENT` when a size, count or interval is not a positive integer.
   */
  constructor(options: AuditLogOptions) {
    this.#dir = options.dir;
    this.#path = join(options.dir, AUDIT_FILE_NAME);
    this.#maxSizeBytes = positiveInteger('maxSizeBytes', options.maxSizeBytes ?? 100 * MIB);
    this.#maxFiles = positiveInteger('maxFiles', options.maxFiles ?? 10);
    this.#queueSize = positiveInteger('queueSize', options.queueSize ?? 16_384);
    const reportEveryMs = positiveInteger('dropReportIntervalMs', options.dropReportIntervalMs ?? 5000);
    this.#gatherMs = options.gatherMs ?? 10;
    if (!Number.isSafeInteger(this.#gatherMs) || this.#gatherMs < 0) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `audit log: gatherMs must be an integer >= 0, got ${String(this.#gatherMs)}`,
      );
    }
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#fileFs = options.fileFs ?? nodeSegmentFs;
    this.#dropReporter = this.#clock.setInterval(() => {
      this.#reportDrops();
    }, reportEveryMs);
  }

  /** Path of the live audit file. */
  get path(): string {
    return this.#path;
  }

  /**
   * Queues `record` for writing; fills in `ts` when absent. Never blocks and never throws: when the queue
   * is full, after {@link AuditLog.close}, or for a record that cannot be serialised (an invalid `ts`),
   * the event is dropped and counted. The writer serialises `record` later: do not change it afterwards.
   */
  log(record: AuditRecord): void {
    if (this.#closing !== undefined || this.#queuedEvents >= this.#queueSize) {
      this.#drop(1);
      return;
    }
    const nowMs = this.#clock.now();
    this.#enqueue(() => formatAuditLine(record, nowMs), 1);
  }

  /**
   * Queues one event per id of `messageIds`: `record` with that `message_id` (say, every message of
   * a stored inbound batch). The same as calling {@link AuditLog.log} for each, with the shared
   * fields serialised once; ids beyond the queue's room are dropped and counted. Serialised later,
   * like `log`: do not change `record` or `messageIds` afterwards.
   */
  logMessages(record: Omit<AuditRecord, 'message_id'>, messageIds: readonly string[]): void {
    const room = this.#closing === undefined ? this.#queueSize - this.#queuedEvents : 0;
    const taken = room >= messageIds.length ? messageIds : messageIds.slice(0, Math.max(0, room));
    this.#drop(messageIds.length - taken.length);
    if (taken.length === 0) return;
    const nowMs = this.#clock.now();
    this.#enqueue(() => encodeAuditLines(record, taken, nowMs), taken.length);
  }

  #enqueue(render: () => string | Buffer, events: number): void {
    this.#queue.push({ render, events });
    this.#queuedEvents += events;
    this.#startWriter();
  }

  /** Counts of written and dropped events so far. */
  stats(): AuditStats {
    return { written: this.#written, dropped: this.#dropped, writeFailures: this.#writeFailures };
  }

  /**
   * Writes everything already queued, closes the file and reports any unreported drops. Idempotent: every
   * call returns the same promise. Never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#dropReporter.clear();
    this.#stopGathering.abort();
    while (this.#running !== undefined) await this.#running;
    this.#closeFile();
    this.#reportDrops();
  }

  #startWriter(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#drainQueue()
      .catch((err: unknown) => {
        this.#logger.error({ err, path: this.#path }, 'audit: writer failed');
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#startWriter();
      });
  }

  async #drainQueue(): Promise<void> {
    // Let the events of the next moments join the batch.
    if (this.#gatherMs > 0 && !this.#stopGathering.signal.aborted) {
      await this.#clock.sleep(this.#gatherMs, this.#stopGathering.signal).catch(() => undefined);
    } else {
      await nextTurn();
    }
    const backoff = new Backoff(WRITE_RETRY);
    while (this.#queue.length > 0 || this.#unwritten.length > 0) {
      if (this.#unwritten.length === 0) {
        const queued = this.#queue;
        this.#queue = [];
        this.#queuedEvents = 0;
        this.#unwritten = this.#render(queued);
      }
      if (await this.#writeLines()) {
        backoff.reset();
        continue;
      }
      if (this.#stopGathering.signal.aborted) {
        // Closing: one more try was made; what still cannot be written is dropped and counted.
        this.#drop(eventsIn(this.#unwritten, 0, this.#unwritten.length));
        this.#unwritten = [];
        continue;
      }
      await this.#clock.sleep(backoff.next(), this.#stopGathering.signal).catch(() => undefined);
    }
  }

  /** Formats queued events; those that cannot be serialised are dropped. */
  #render(queued: readonly Queued[]): Rendered[] {
    const rendered: Rendered[] = [];
    for (const { render, events } of queued) {
      try {
        const lines = render();
        rendered.push({ data: typeof lines === 'string' ? Buffer.from(lines) : lines, events });
      } catch {
        this.#drop(events);
      }
    }
    return rendered;
  }

  /**
   * Appends the unwritten events, one write per file, rotating where a file reaches the size limit.
   * Returns false when a write failed: the file is cut back to its last whole line and the events
   * not written stay for a retry. Events are dropped only when the file cannot be opened.
   */
  async #writeLines(): Promise<boolean> {
    const queued = this.#unwritten;
    let start = 0;
    while (start < queued.length) {
      const file = await this.#openFile();
      if (file === undefined) {
        this.#drop(eventsIn(queued, start, queued.length));
        this.#unwritten = [];
        return true;
      }
      let end = start;
      let bytes = 0;
      do {
        bytes += queued[end]?.data.length ?? 0;
        end++;
      } while (end < queued.length && file.size + bytes < this.#maxSizeBytes);
      const chunk = Buffer.concat(queued.slice(start, end).map((q) => q.data));
      if (!this.#append(file, chunk)) {
        this.#unwritten = queued.slice(start);
        return false;
      }
      this.#written += eventsIn(queued, start, end);
      start = end;
      if (file.size >= this.#maxSizeBytes) await this.#rotate();
    }
    this.#unwritten = [];
    return true;
  }

  /** Writes `chunk` whole, or cuts the file back to where it was, logs and returns false. */
  #append(file: OpenFile, chunk: Buffer): boolean {
    try {
      writeFully(file.file, chunk);
      file.size += chunk.length;
      return true;
    } catch (err) {
      this.#writeFailures++;
      if (this.#writeFailures === 1 || this.#writeFailures % 10 === 0) {
        this.#logger.error(
          { err, path: this.#path, write_failures: this.#writeFailures },
          'audit: write failed; cut back to the last whole line, events wait and the write is retried',
        );
      }
      try {
        file.file.truncate(file.size);
      } catch (truncateErr) {
        // Reopening cuts the torn line away before anything else is written.
        this.#logger.error(
          { err: truncateErr, path: this.#path },
          'audit: cannot cut back a failed write; reopening',
        );
        this.#closeFile();
      }
      return false;
    }
  }

  async #openFile(): Promise<OpenFile | undefined> {
    if (this.#file !== undefined) return this.#file;
    try {
      await mkdir(this.#dir, { recursive: true });
      const file = openOrCreate(this.#fileFs, this.#path);
      try {
        this.#file = { file, size: await repairTornTail(this.#path, this.#logger) };
      } catch (err) {
        file.close();
        throw err;
      }
    } catch (err) {
      if (!this.#openFailing) {
        this.#logger.error(
          { err, path: this.#path },
          'audit: cannot open log file; dropping events until it opens',
        );
      }
      this.#openFailing = true;
      return undefined;
    }
    if (this.#openFailing) this.#logger.info({ path: this.#path }, 'audit: log file open again');
    this.#openFailing = false;
    return this.#file;
  }

  async #rotate(): Promise<void> {
    this.#closeFile();
    try {
      await rotateFiles(this.#path, this.#maxFiles);
    } catch (err) {
      this.#logger.error({ err, path: this.#path }, 'audit: rotation failed; appending to the current file');
    }
    await this.#openFile();
  }

  #closeFile(): void {
    const file = this.#file;
    this.#file = undefined;
    try {
      file?.file.close();
    } catch (err) {
      this.#logger.error({ err, path: this.#path }, 'audit: close failed');
    }
  }

  #drop(count: number): void {
    this.#dropped += count;
    this.#droppedUnreported += count;
  }

  #reportDrops(): void {
    if (this.#droppedUnreported === 0) return;
    this.#logger.warn({ dropped: this.#droppedUnreported, total: this.#dropped }, 'audit: events dropped');
    this.#droppedUnreported = 0;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `audit log: ${name} must be a positive integer, got ${String(value)}`,
    );
  }
  return value;
}

/** Events held by `queued[start..end)`. */
function eventsIn(queued: readonly Rendered[], start: number, end: number): number {
  let events = 0;
  for (let i = start; i < end; i++) events += queued[i]?.events ?? 0;
  return events;
}
