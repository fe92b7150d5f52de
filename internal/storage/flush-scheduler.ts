/**
 * When appends are written: every event-loop scheduling decision of the write path in one place
 * (the turn budget of microtask flushes, waiting for the I/O phase under `always`, when an fsync runs
 * on the loop's thread, when a stream's append batcher gathers a burst, and when an append that woke
 * live readers answers its caller). It runs on an {@link EventLoop}, the seam a test replaces to
 * drive the policy deterministically.
 */

/** The event-loop primitives scheduling runs on. */
export interface EventLoop {
  /** A monotonic time in milliseconds with sub-millisecond resolution. */
  now(): number;
  /** Runs `fn` once the current job is done, before any I/O (a microtask). */
  soon(fn: () => void): void;
  /** Runs `fn` in the next turn of the loop, after its I/O phase (`setImmediate`). */
  nextTurn(fn: () => void): void;
}

/** Node's event loop: `performance.now`, `queueMicrotask` and `setImmediate`. */
export const nodeEventLoop: EventLoop = {
  now: () => performance.now(),
  soon: (fn) => {
    queueMicrotask(fn);
  },
  nextTurn: (fn) => {
    setImmediate(fn);
  },
};

/**
 * How long appends may be flushed from microtasks within one turn of the event loop. A publisher
 * that awaits publish after publish resolves from microtasks and would otherwise never let sockets
 * and timers run; past this budget the next flush waits for the next turn.
 */
export const TURN_BUDGET_MS = 1;

/**
 * Single-record `always` batches in a row after which fsyncs run on the loop's thread. Several
 * writers that happen to arrive one at a time for a moment must not tip into blocking fsyncs, which
 * would stop the loop from reading their next appends (measured: 2 in a row did, with 16 HTTP
 * writers).
 */
export const SINGLES_BEFORE_SYNC_ON_LOOP = 8;

/**
 * Batches of one stream's appends started closer together than this make a burst, worth gathering
 * into one write (see {@link BatchSchedule}).
 */
export const BURST_WITHIN_MS = 1;

/** The scheduling policy of the write path; one per data dir, shared by its writers. */
export class FlushScheduler {
  readonly #loop: EventLoop;
  /** When the first microtask flush of the current turn ran, or undefined when none has yet. */
  #turnStart: number | undefined;

  /** @param loop - the event loop to schedule on (a test passes one it drives by hand) */
  constructor(loop: EventLoop = nodeEventLoop) {
    this.#loop = loop;
  }

  /**
   * The schedule of one channel's writer. With `fsyncEachWrite` (sync policy `always`) its flushes
   * wait for the end of the loop's I/O phase, so that appends arriving from many sockets in one turn
   * share one write and one fsync (a microtask would run after the first socket's callback).
   */
  forWriter(fsyncEachWrite: boolean): WriterSchedule {
    return new WriterSchedule(this, fsyncEachWrite);
  }

  /**
   * The schedule of one stream's append batcher, which gathers the appends of one stream arriving
   * from many sockets into one channel write. With `deferBursts` (writes not fsynced: an fsynced
   * writer gathers the next appends during its fsync anyway), an idle batcher whose last batch
   * started under {@link BURST_WITHIN_MS} ago starts the next one after this turn's I/O phase, so
   * that requests arriving together share one write; a lone append is written at once.
   */
  forBatcher(deferBursts: boolean): BatchSchedule {
    return new BatchSchedule(this.#loop, deferBursts);
  }

  /**
   * Runs `flush` in a microtask while this turn's budget of microtask flushes lasts (shared by every
   * writer: the turn is the loop's), else in the next turn.
   */
  flushSoon(flush: () => void): void {
    const now = this.#loop.now();
    if (this.#turnStart === undefined) {
      this.#turnStart = now;
      this.#loop.nextTurn(() => {
        this.#turnStart = undefined;
      });
    }
    if (now - this.#turnStart < TURN_BUDGET_MS) this.#loop.soon(flush);
    else this.#loop.nextTurn(flush);
  }

  /** Runs `flush` after this turn's I/O phase. */
  flushAfterIo(flush: () => void): void {
    this.#loop.nextTurn(flush);
  }

  /**
   * Resolves in the next turn of the loop. An append that woke live readers (long-poll, SSE) lets
   * them be answered from memory first, so the tail's latency excludes answering the writer.
   */
  afterWokenReaders(): Promise<void> {
    return new Promise((resolve) => {
      this.#loop.nextTurn(resolve);
    });
  }
}

/** The schedule of one channel's writer (see {@link FlushScheduler.forWriter}). */
export class WriterSchedule {
  readonly #scheduler: FlushScheduler;
  readonly #fsyncEachWrite: boolean;
  /** Consecutive batches of a single record (counted with `fsyncEachWrite` only). */
  #singles = 0;

  /**
   * @param scheduler - the data dir's scheduler
   * @param fsyncEachWrite - whether each batch is fsynced before its callers resolve
   */
  constructor(scheduler: FlushScheduler, fsyncEachWrite: boolean) {
    this.#scheduler = scheduler;
    this.#fsyncEachWrite = fsyncEachWrite;
  }

  /** Schedules the writer's next flush. */
  schedule(flush: () => void): void {
    if (this.#fsyncEachWrite) this.#scheduler.flushAfterIo(flush);
    else this.#scheduler.flushSoon(flush);
  }

  /**
   * Called once per batch written, before it is made durable: whether its fsync runs on the loop's
   * thread. While batches are single records (one caller awaiting each append, as a lone publisher
   * or HTTP writer does, and nothing else queued) {@link SINGLES_BEFORE_SYNC_ON_LOOP} times in a row,
   * there is no concurrency to keep and a thread-pool round trip costs more; once a batch holds
   * several records, fsyncs go back to the thread pool so the loop keeps reading the next appends.
   * Without `fsyncEachWrite` there is no fsync to place: always true.
   *
   * @param appends - appends in the batch
   * @param records - records in the batch
   * @param queued - appends still queued behind it
   */
  syncOnLoop(appends: number, records: number, queued: number): boolean {
    if (!this.#fsyncEachWrite) return true;
    const single = appends === 1 && records === 1 && queued === 0;
    this.#singles = single ? this.#singles + 1 : 0;
    return this.#singles >= SINGLES_BEFORE_SYNC_ON_LOOP;
  }
}

/** The schedule of one stream's append batcher (see {@link FlushScheduler.forBatcher}). */
export class BatchSchedule {
  readonly #loop: EventLoop;
  readonly #deferBursts: boolean;
  #lastStart = -Infinity;

  /**
   * @param loop - the event loop
   * @param deferBursts - whether a burst waits for the end of the turn's I/O phase
   */
  constructor(loop: EventLoop, deferBursts: boolean) {
    this.#loop = loop;
    this.#deferBursts = deferBursts;
  }

  /** Runs `drain` (an idle batcher's work) at once, or after this turn's I/O phase during a burst. */
  start(drain: () => Promise<void>): Promise<void> {
    if (!this.#deferBursts || this.#loop.now() - this.#lastStart >= BURST_WITHIN_MS) return drain();
    return new Promise<void>((resolve) => {
      this.#loop.nextTurn(resolve);
    }).then(drain);
  }

  /** Notes that a batch is handed to the channel now. */
  batchStarted(): void {
    this.#lastStart = this.#loop.now();
  }
}
