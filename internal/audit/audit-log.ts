/**
 * The asynchronous audit log writer: `{dir}/audit.jsonl`, batched appends, size-based rotation.
 */
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { systemClock } from '../clock/index.js';
import type { Clock, TimerHandle } from '../clock/index.js';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { silentLogger } from '../logger/index.js';
import type { Logger } from '../logger/index.js';
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
  /** Time source for timestamps and the drop report timer. Default: the system clock. */
  readonly clock?: Clock;
}

/** Counters of an {@link AuditLog}. */
export interface AuditStats {
  /** Events appended to the file. */
  readonly written: number;
  /** Events lost: queue full, logged after close, invalid, or the file could not be opened or written. */
  readonly dropped: number;
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

const NEWLINE = Buffer.from('\n');

interface OpenFile {
  readonly handle: FileHandle;
  size: number;
  /** The file ends in a torn line (crash or failed write); start the next write on a fresh line. */
  needsNewline: boolean;
}

const MIB = 1024 * 1024;

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
  /** Aborted by close(), which ends a gathering wait at once. */
  readonly #stopGathering = new AbortController();
  #queue: Queued[] = [];
  #queuedEvents = 0;
  #file: OpenFile | undefined;
  #openFailing = false;
  #running: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #written = 0;
  #dropped = 0;
  #droppedUnreported = 0;

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
    return { written: this.#written, dropped: this.#dropped };
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
    await this.#closeFile();
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
    while (this.#queue.length > 0) {
      const queued = this.#queue;
      this.#queue = [];
      this.#queuedEvents = 0;
      await this.#writeLines(this.#render(queued));
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

  /** Appends `queued`, one write per file, rotating where a file reaches the size limit. */
  async #writeLines(queued: readonly Rendered[]): Promise<void> {
    let start = 0;
    while (start < queued.length) {
      const file = await this.#openFile();
      if (file === undefined) {
        this.#drop(eventsIn(queued, start, queued.length));
        return;
      }
      let end = start;
      let bytes = 0;
      do {
        bytes += queued[end]?.data.length ?? 0;
        end++;
      } while (end < queued.length && file.size + bytes < this.#maxSizeBytes);
      const parts = queued.slice(start, end).map((q) => q.data);
      const chunk = Buffer.concat(file.needsNewline ? [NEWLINE, ...parts] : parts);
      try {
        await file.handle.appendFile(chunk);
      } catch (err) {
        this.#logger.error({ err, path: this.#path }, 'audit: write failed; dropping events');
        this.#drop(eventsIn(queued, start, queued.length));
        await this.#closeFile();
        return;
      }
      file.size += chunk.length;
      file.needsNewline = false;
      this.#written += eventsIn(queued, start, end);
      start = end;
      if (file.size >= this.#maxSizeBytes) await this.#rotate();
    }
  }

  async #openFile(): Promise<OpenFile | undefined> {
    if (this.#file !== undefined) return this.#file;
    try {
      await mkdir(this.#dir, { recursive: true });
      const handle = await open(this.#path, 'a+', 0o644);
      this.#file = { handle, ...(await fileEnd(handle)) };
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
    await this.#closeFile();
    try {
      await rotateFiles(this.#path, this.#maxFiles);
    } catch (err) {
      this.#logger.error({ err, path: this.#path }, 'audit: rotation failed; appending to the current file');
    }
    await this.#openFile();
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    try {
      await file?.handle.close();
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

/** Size of an open file and whether its last byte is something other than a newline. */
async function fileEnd(handle: FileHandle): Promise<{ size: number; needsNewline: boolean }> {
  const { size } = await handle.stat();
  if (size === 0) return { size, needsNewline: false };
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return { size, needsNewline: last[0] !== 0x0a };
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
