/**
 * One stream as its requester sees it: the frame checks of docs/conventions/streaming-rpc.md §7 (server
 * lock, sequence, credit, silence and deadline) and the async iterator of its data items.
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import { RpcCloseError } from './close-error.js';
import { CloseCode, type Frame } from './protocol.js';

/** How a stream ended: `error` undefined for close 1000; `cancel` when the server must be told. */
export interface StreamEnd {
  readonly error: Error | undefined;
  readonly cancel: boolean;
  readonly reason: string;
}

/** What the stream needs from its requester. */
export interface RequesterStreamOptions {
  id: string;
  window: number;
  silenceMs: number;
  deadlineMs: number;
  clock: Clock;
  signal: AbortSignal | undefined;
  /** Sends a credit record granting data frames up to `upTo`. */
  grant(upTo: number): void;
  /** Called once when the stream ends. */
  ended(end: StreamEnd): void;
}

/** A frame dropped without ending the stream (a second server's). */
export interface DroppedFrame {
  readonly reason: string;
}

/** The data items of one stream, in order; ends on close 1000, throws on any other end. */
export class RequesterStream<R = unknown> implements AsyncIterableIterator<R> {
  /** The stream id (the request's correlation id). */
  readonly id: string;
  /** Unix ms after which the stream ends with 4008. */
  readonly deadlineMs: number;
  readonly #options: RequesterStreamOptions;
  readonly #items: R[] = [];
  #head = 0;
  #end: StreamEnd | undefined;
  #endThrown = false;
  #wake: (() => void) | undefined;
  #expectedSeq = 1;
  #consumed = 0;
  #granted: number;
  #server: { origin: string; run: string } | undefined;
  #silence: TimerHandle | undefined;
  readonly #deadline: TimerHandle;
  readonly #onAbort: () => void;

  /** @param options - see {@link RequesterStreamOptions} */
  constructor(options: RequesterStreamOptions) {
    this.#options = options;
    this.id = options.id;
    this.deadlineMs = options.deadlineMs;
    this.#granted = options.window;
    const { clock } = options;
    this.#deadline = clock.setTimeout(
      () => {
        this.#endLocally(CloseCode.DEADLINE_EXCEEDED, 'the request deadline passed');
      },
      Math.max(0, options.deadlineMs - clock.now()),
    );
    this.alive();
    this.#onAbort = () => {
      this.end({ error: asError(options.signal?.reason), cancel: true, reason: 'aborted by the requester' });
    };
    if (options.signal?.aborted === true) this.#onAbort();
    else options.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Whether the stream has ended (items may still be buffered). */
  get isEnded(): boolean {
    return this.#end !== undefined;
  }

  /** A frame or keepalive of this stream arrived: restarts the silence timer. */
  alive(): void {
    if (this.#end !== undefined) return;
    this.#silence?.clear();
    this.#silence = this.#options.clock.setTimeout(() => {
      this.#endLocally(CloseCode.ABNORMAL, `no frame or keepalive for ${this.#options.silenceMs} ms`);
    }, this.#options.silenceMs);
  }

  /** Takes a frame of this stream; `drop` reports one dropped without ending the stream. */
  receive(frame: Frame, origin: string, drop: (dropped: DroppedFrame) => void): void {
    if (this.#end !== undefined || frame.kind === 'other' || frame.kind === 'keepalive') return;
    // A second server's frame is dropped before it is judged: not even an unreadable one ends the stream.
    if (this.#server !== undefined && origin !== this.#server.origin) {
      drop({ reason: `answered by ${JSON.stringify(this.#server.origin)} already` });
      return;
    }
    if (frame.kind === 'invalid') {
      this.#endLocally(CloseCode.UNSUPPORTED_DATA, frame.problem);
      return;
    }
    this.#server ??= { origin, run: frame.run };
    if (frame.run !== this.#server.run) {
      this.#endLocally(CloseCode.ABNORMAL, 'the serving process restarted');
      return;
    }
    if (frame.seq < this.#expectedSeq) return;
    if (frame.seq > this.#expectedSeq) {
      this.#endLocally(
        CloseCode.ABNORMAL,
        `frames lost: expected seq ${this.#expectedSeq}, got ${frame.seq}`,
      );
      return;
    }
    this.#expectedSeq += 1;
    this.alive();
    if (frame.kind === 'close') {
      const error = frame.code === CloseCode.NORMAL ? undefined : new RpcCloseError(frame.code, frame.text);
      this.end({ error, cancel: false, reason: '' });
      return;
    }
    if (frame.seq > this.#granted) {
      this.#endLocally(CloseCode.SATURATED, `data frame ${frame.seq} beyond the credit of ${this.#granted}`);
      return;
    }
    this.#items.push(frame.data as R);
    this.#wakeReader();
  }

  /** Ends the stream once; buffered items are still delivered before the end is seen. */
  end(end: StreamEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#silence?.clear();
    this.#deadline.clear();
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#options.ended(end);
    this.#wakeReader();
  }

  /** The next data item. */
  async next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#head < this.#items.length) return { done: false, value: this.#take() };
      if (this.#end !== undefined) {
        if (this.#end.error !== undefined && !this.#endThrown) {
          this.#endThrown = true;
          throw this.#end.error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Stops reading: cancels the stream at the server. */
  return(): Promise<IteratorResult<R>> {
    this.#endThrown = true;
    this.end({ error: undefined, cancel: true, reason: 'the requester stopped reading' });
    this.#items.length = 0;
    this.#head = 0;
    return Promise.resolve({ done: true, value: undefined });
  }

  /** Returns this iterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this;
  }

  #take(): R {
    const item = this.#items[this.#head] as R;
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    this.#consumed += 1;
    const { window } = this.#options;
    if (this.#end === undefined && this.#granted - this.#consumed <= window / 2) {
      this.#granted = this.#consumed + window;
      this.#options.grant(this.#granted);
    }
    return item;
  }

  #endLocally(code: number, text: string): void {
    this.end({ error: new RpcCloseError(code, text), cancel: true, reason: text });
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** `reason` as an Error: itself when it is one, else an AbortError naming it. */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new DOMException(String(reason), 'AbortError');
}
