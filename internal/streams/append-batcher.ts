/**
 * Per-stream append ordering with group commit. Appends are handed to the channel one batch at a
 * time, in the order they were accepted, so the order of records in the channel is the order in
 * which the stream's state (closure, producers, `Stream-Seq`) was checked and advanced. Appends
 * accepted while a batch is being written go together in the next batch (one write, one fsync).
 */
import type { AppendResult, BatchSchedule } from '../storage/index.js';

/** Writes one batch of whole records to the channel. */
export type BatchWriter = (data: Buffer, records: number) => Promise<AppendResult>;

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
  readonly #schedule: BatchSchedule;
  #queue: Pending[] = [];
  #running: Promise<void> | undefined;

  /**
   * @param write - writes a batch to the channel
   * @param maxBatchBytes - bytes per batch at most (a single larger append is written alone)
   * @param schedule - when an idle batcher starts writing (at once, or after a burst's I/O phase)
   */
  constructor(write: BatchWriter, maxBatchBytes: number, schedule: BatchSchedule) {
    this.#write = write;
    this.#maxBatchBytes = maxBatchBytes;
    this.#schedule = schedule;
  }

  /**
   * Queues `data` (`records` whole records). Resolves with the channel offset just past `data`.
   */
  enqueue(data: Buffer, records: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ data, records, resolve, reject });
      if (this.#running !== undefined) return;
      this.#running = this.#schedule.start(this.#drain);
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
  readonly #drain = async (): Promise<void> => {
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
  };

  #startBatch(): { batch: Pending[]; written: Promise<AppendResult> } | undefined {
    if (this.#queue.length === 0) return undefined;
    const batch = this.#take();
    this.#schedule.batchStarted();
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
