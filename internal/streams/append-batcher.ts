/**
 * Per-stream append ordering with group commit. Appends are handed to the channel one batch at a
 * time, in the order they were accepted, so the order of records in the channel is the order in
 * which the stream's state (closure, producers, `Stream-Seq`) was checked and advanced. Appends
 * accepted while a batch is being written go together in the next batch (one write, one fsync).
 */
import type { AppendResult } from '../storage/index.js';

/** Writes one batch of whole records to the channel. */
export type BatchWriter = (data: Buffer, records: number) => Promise<AppendResult>;

/** Appends closer together than this count as a burst worth batching. */
const BUSY_WITHIN_MS = 1;

interface Pending {
  data: Buffer;
  records: number;
  resolve: (end: number) => void;
  reject: (err: unknown) => void;
}

/** Queues appends of one stream and writes them in order, batched. */
export class AppendBatcher {
  readonly #write: BatchWriter;
  readonly #maxBatchBytes: number;
  readonly #deferFirst: boolean;
  #queue: Pending[] = [];
  #running: Promise<void> | undefined;
  #lastWriteAt = -Infinity;

  /**
   * @param write - writes a batch to the channel
   * @param maxBatchBytes - bytes per batch at most (a single larger append is written alone)
   * @param deferFirst - when appends are coming in quickly, start an idle batcher's write after
   *   the current event-loop phase, so that requests that arrived together share one write (worth it
   *   when a write is not followed by an fsync, which batches the next appends anyway); a lone
   *   append is written at once
   */
  constructor(write: BatchWriter, maxBatchBytes: number, deferFirst: boolean) {
    this.#write = write;
    this.#maxBatchBytes = maxBatchBytes;
    this.#deferFirst = deferFirst;
  }

  /**
   * Queues `data` (`records` whole records). Resolves with the channel offset just past `data`.
   */
  enqueue(data: Buffer, records: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ data, records, resolve, reject });
      if (this.#running !== undefined) return;
      const busy = performance.now() - this.#lastWriteAt < BUSY_WITHIN_MS;
      this.#running =
        this.#deferFirst && busy
          ? new Promise<void>((r) => setImmediate(r)).then(() => this.#drain())
          : this.#drain();
    });
  }

  /** Resolves when every queued append has been written or has failed. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /**
   * Writes batches until the queue is empty. The next batch is handed to the channel before the
   * callers of the finished one are answered, so the next write (and fsync) is not delayed by them.
   */
  async #drain(): Promise<void> {
    try {
      let current = this.#startBatch();
      while (current !== undefined) {
        const { batch, written } = current;
        let start: number | undefined;
        let failure: unknown;
        try {
          ({ start } = await written);
        } catch (err) {
          failure = err;
        }
        current = this.#startBatch();
        let end = start ?? 0;
        for (const p of batch) {
          if (start === undefined) {
            p.reject(failure);
            continue;
          }
          end += p.data.length;
          p.resolve(end);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  #startBatch(): { batch: Pending[]; written: Promise<AppendResult> } | undefined {
    if (this.#queue.length === 0) return undefined;
    const batch = this.#take();
    this.#lastWriteAt = performance.now();
    let records = 0;
    for (const p of batch) records += p.records;
    const data =
      batch.length === 1 ? (batch[0]?.data ?? Buffer.alloc(0)) : Buffer.concat(batch.map((p) => p.data));
    let written: Promise<AppendResult>;
    try {
      written = this.#write(data, records);
    } catch (err) {
      written = Promise.reject(err);
    }
    return { batch, written };
  }

  #take(): Pending[] {
    let bytes = 0;
    let count = 0;
    for (const p of this.#queue) {
      if (count > 0 && bytes + p.data.length > this.#maxBatchBytes) break;
      bytes += p.data.length;
      count++;
    }
    return this.#queue.splice(0, count);
  }
}
