/**
 * A push-to-pull queue behind the async iterables of the ephemeral client (live messages, status): the
 * producer pushes, `for await` pulls; a full buffer makes `push` return a promise the producer awaits.
 */

/** Settings of a {@link LiveQueue}. */
export interface LiveQueueOptions {
  /** Items buffered before `push` asks the producer to wait; default unlimited. */
  highWaterMark?: number;
  /** Ends the iteration when aborted (what is buffered is dropped). */
  signal?: AbortSignal | undefined;
  /** Called once when the iteration ends, however it ends. */
  onEnd?: () => void;
}

/** An async iterator fed by {@link LiveQueue.push} and finished by {@link LiveQueue.end}. */
export class LiveQueue<T> implements AsyncIterableIterator<T> {
  readonly #highWaterMark: number;
  readonly #onEnd: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    this.#buffer = [];
    this.#finish();
  };
  #buffer: T[] = [];
  #ending = false;
  #done = false;
  #reader: ((result: IteratorResult<T>) => void) | undefined;
  #drained: (() => void)[] = [];

  constructor(options: LiveQueueOptions = {}) {
    this.#highWaterMark = options.highWaterMark ?? Number.POSITIVE_INFINITY;
    this.#onEnd = options.onEnd;
    this.#signal = options.signal;
    if (this.#signal?.aborted === true) this.#finish();
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /**
   * Adds an item (ignored once the iteration ended). Returns a promise when the buffer is at its high
   * water mark, resolved once the reader has taken items below it or the iteration ended.
   */
  push(item: T): Promise<void> | undefined {
    if (this.#done || this.#ending) return undefined;
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader({ value: item, done: false });
      return undefined;
    }
    this.#buffer.push(item);
    if (this.#buffer.length < this.#highWaterMark) return undefined;
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Ends the iteration after the buffered items have been read. */
  end(): void {
    this.#ending = true;
    if (this.#buffer.length === 0) this.#finish();
  }

  /** The next item, or done once ended. */
  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) {
      const item = this.#buffer.shift() as T;
      if (this.#buffer.length < this.#highWaterMark) this.#release();
      if (this.#ending && this.#buffer.length === 0) this.#finish();
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#reader = resolve));
  }

  /** Stops the iteration (a `break` out of `for await`). */
  return(): Promise<IteratorResult<T>> {
    this.#buffer = [];
    this.#finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #release(): void {
    const drained = this.#drained;
    this.#drained = [];
    for (const resolve of drained) resolve();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#release();
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.({ value: undefined, done: true });
    this.#onEnd?.();
  }
}
