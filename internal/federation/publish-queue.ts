/**
 * Publishes of an ephemeral client waiting for the hub: queued in order, taken in batches within
 * max_batch_bytes, each settled exactly once (ack, refusal, lost connection, abort or close).
 */
import { takeBatch } from './protocol/index.js';

/** One publish waiting to be sent or acknowledged. */
export class PendingPublish {
  /** Envelope id. */
  readonly id: string;
  /** Channel published to (for error messages). */
  readonly channel: string;
  /** The envelope record as sent on the wire (no trailing newline). */
  readonly record: Buffer;
  readonly #resolve: () => void;
  readonly #reject: (err: unknown) => void;
  #settled = false;
  #detach: (() => void) | undefined;

  constructor(
    id: string,
    channel: string,
    record: Buffer,
    resolve: () => void,
    reject: (err: unknown) => void,
  ) {
    this.id = id;
    this.channel = channel;
    this.record = record;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Calls `onAbort` if `signal` aborts before the publish is settled. */
  watch(signal: AbortSignal, onAbort: () => void): void {
    signal.addEventListener('abort', onAbort, { once: true });
    this.#detach = () => {
      signal.removeEventListener('abort', onAbort);
    };
  }

  /** Settles as acknowledged; later calls to either method are ignored. */
  resolve(): void {
    if (this.#settle()) this.#resolve();
  }

  /** Settles as failed; later calls to either method are ignored. */
  reject(err: unknown): void {
    if (this.#settle()) this.#reject(err);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#detach?.();
    return true;
  }
}

/**
 * A FIFO of pending publishes. At most `capacity` are queued for sending; more wait, in order, for room
 * (the Go client's blocking write queue). Only the queued ones are taken into batches.
 */
export class PublishQueue {
  readonly #capacity: number;
  #queued: PendingPublish[] = [];
  #waiting: PendingPublish[] = [];
  #wake: (() => void) | undefined;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Publishes queued for sending. */
  get queued(): number {
    return this.#queued.length;
  }

  /** Publishes waiting for room in the queue. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Appends a publish, and wakes a sender waiting in {@link PublishQueue.whenNotEmpty}. */
  add(publish: PendingPublish): void {
    if (this.#queued.length < this.#capacity) this.#queued.push(publish);
    else this.#waiting.push(publish);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Removes a publish that has not been taken (an aborted one). */
  remove(publish: PendingPublish): void {
    const at = this.#queued.indexOf(publish);
    if (at >= 0) {
      this.#queued.splice(at, 1);
      this.#admitWaiting();
      return;
    }
    const waitingAt = this.#waiting.indexOf(publish);
    if (waitingAt >= 0) this.#waiting.splice(waitingAt, 1);
  }

  /**
   * Resolves true once a publish is queued, or false when `signal` aborts first. Only one caller may
   * wait at a time (the connection's sender).
   */
  whenNotEmpty(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#queued.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#wake = undefined;
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
    });
  }

  /**
   * Takes the next batch from the head: as many publishes as fit in one frame of `maxBatchBytes`,
   * and no more than `maxCount` (at least one).
   */
  takeBatch(maxBatchBytes: number, maxCount = Infinity): PendingPublish[] {
    const plan = takeBatch(
      this.#queued.map((p) => p.record),
      maxBatchBytes,
    );
    const fits = plan.kind === 'batch' ? plan.count : 1;
    const batch = this.#queued.splice(0, Math.max(1, Math.min(fits, maxCount)));
    this.#admitWaiting();
    return batch;
  }

  /** Removes and returns every publish, queued and waiting. */
  drain(): PendingPublish[] {
    const all = [...this.#queued, ...this.#waiting];
    this.#queued = [];
    this.#waiting = [];
    return all;
  }

  #admitWaiting(): void {
    const room = this.#capacity - this.#queued.length;
    if (room > 0 && this.#waiting.length > 0) this.#queued.push(...this.#waiting.splice(0, room));
  }
}
