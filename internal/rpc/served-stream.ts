/**
 * One stream as its server sees it: the handler's writer, the credit it waits for, the deadline, and
 * the one close frame (docs/conventions/streaming-rpc.md §3.2–3.3, §5).
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import { ErrorCode, errorMessage, MessengerError } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { RpcCloseError } from './close-error.js';
import { CloseCode, type RequestFields, RpcType } from './protocol.js';
import type { RpcTransport } from './transport.js';

/** The answer of a write that did not have to wait. */
const WRITTEN = Promise.resolve();

/** What a handler writes a stream with. */
export interface RpcWriter {
  /** Aborted when the requester cancels, the deadline passes or the server shuts down. */
  readonly signal: AbortSignal;
  /**
   * Sends one data item (any JSON value): resolves once it is queued, in order, for the reply channel,
   * waiting while the requester has no credit left; rejects with the signal's reason once the stream
   * has ended. A frame that cannot be stored ends the stream with 5000.
   */
  write(data: unknown): Promise<void>;
  /** Closes the stream normally (1000). A second close is ignored. */
  close(): Promise<void>;
  /** Closes the stream with `code`; texts are joined with ": ". A second close is ignored. */
  closeWithCode(code: number, ...text: string[]): Promise<void>;
}

/** What a served stream needs from its server. */
export interface ServedStreamOptions {
  id: string;
  channel: string;
  payloadType: string;
  request: RequestFields;
  run: string;
  transport: RpcTransport;
  clock: Clock;
  logger: Logger;
  /** Called once when the stream has ended. */
  finished(): void;
}

/** A stream being served. */
export class ServedStream {
  /** The stream id. */
  readonly id: string;
  /** The request channel. */
  readonly channel: string;
  /** The request type. */
  readonly payloadType: string;
  /** Where frames go. */
  readonly replyTo: string;
  /** The handler's writer. */
  readonly writer: RpcWriter;
  /** Unix ms at which a keepalive is due (pushed back by every frame). */
  keepaliveDueAt: number;
  readonly #options: ServedStreamOptions;
  readonly #abort = new AbortController();
  readonly #deadline: TimerHandle;
  #nextSeq = 1;
  #granted: number;
  #creditWaiters: (() => void)[] = [];
  #ended = false;

  /** @param options - see {@link ServedStreamOptions} */
  constructor(options: ServedStreamOptions) {
    this.#options = options;
    this.id = options.id;
    this.channel = options.channel;
    this.payloadType = options.payloadType;
    this.replyTo = options.request.replyTo;
    this.#granted = options.request.window;
    this.keepaliveDueAt = options.clock.now() + options.request.keepaliveMs;
    this.#deadline = options.clock.setTimeout(
      () => {
        void this.abortAndClose(
          new RpcCloseError(CloseCode.DEADLINE_EXCEEDED, 'the request deadline passed'),
        );
      },
      Math.max(0, options.request.deadlineMs - options.clock.now()),
    );
    this.writer = {
      signal: this.#abort.signal,
      write: (data) => this.#write(data),
      close: () => this.#close(CloseCode.NORMAL, ''),
      closeWithCode: (code, ...text) => this.#close(code, text.join(': ')),
    };
  }

  /** Runs the handler; its return closes with 1000, a typed close error with its code, anything else 5000. */
  async run(handler: () => unknown): Promise<void> {
    try {
      await handler();
      await this.#close(CloseCode.NORMAL, '');
    } catch (err) {
      if (this.#ended) return;
      if (err instanceof RpcCloseError) {
        await this.#close(err.closeCode, err.text);
        return;
      }
      this.#options.logger.warn(
        { stream: this.id, type: this.payloadType, err: errorMessage(err) },
        'a request handler failed',
      );
      await this.#close(CloseCode.INTERNAL, errorMessage(err));
    }
  }

  /** The requester raised its credit to `upTo`. */
  credit(upTo: number): void {
    if (upTo <= this.#granted) return;
    this.#granted = upTo;
    this.#wakeWriter();
  }

  /** The requester cancelled: abort the handler, send nothing more. */
  cancel(): void {
    if (this.#ended) return;
    this.#finish(
      new MessengerError(ErrorCode.RPC_CANCELLED, `stream ${this.id} was cancelled by the requester`),
    );
  }

  /** Aborts the handler with `reason` and sends its close frame. */
  async abortAndClose(reason: RpcCloseError): Promise<void> {
    if (this.#ended) return;
    await this.#sendClose(reason.closeCode, reason.text, reason);
  }

  /** A keepalive naming this stream was sent. */
  keptAlive(): void {
    this.keepaliveDueAt = this.#options.clock.now() + this.#options.request.keepaliveMs;
  }

  #write(data: unknown): Promise<void> {
    if (this.#ended) return Promise.reject(this.#abort.signal.reason as Error);
    if (this.#nextSeq > this.#granted) return this.#writeWithCredit(data);
    const seq = this.#nextSeq;
    this.#nextSeq += 1;
    this.keptAlive();
    // Not awaited: the channel writer keeps publishes in call order and commits many in one write.
    this.#publish(RpcType.DATA, { seq, run: this.#options.run, data }).catch(this.#onWriteFailure);
    return WRITTEN;
  }

  async #writeWithCredit(data: unknown): Promise<void> {
    while (!this.#ended && this.#nextSeq > this.#granted) {
      await new Promise<void>((resolve) => this.#creditWaiters.push(resolve));
    }
    await this.#write(data);
  }

  readonly #onWriteFailure = (err: unknown): void => {
    this.#failed(err);
  };

  /** A data frame could not be stored: the stream cannot go on. */
  #failed(err: unknown): void {
    if (this.#ended) return;
    this.#options.logger.warn({ stream: this.id, err: errorMessage(err) }, 'could not send a data frame');
    void this.#sendClose(CloseCode.INTERNAL, `could not send a data frame: ${errorMessage(err)}`, err);
  }

  async #close(code: number, text: string): Promise<void> {
    if (this.#ended) return;
    await this.#sendClose(code, text, new RpcCloseError(code, text));
  }

  async #sendClose(code: number, text: string, reason: unknown): Promise<void> {
    const seq = this.#nextSeq;
    this.#finish(reason);
    try {
      await this.#publish(RpcType.CLOSE, { seq, run: this.#options.run, code, text });
    } catch (err) {
      this.#options.logger.warn(
        { stream: this.id, code, err: errorMessage(err) },
        'could not send a close frame',
      );
    }
  }

  #finish(reason: unknown): void {
    this.#ended = true;
    this.#deadline.clear();
    this.#abort.abort(reason);
    this.#wakeWriter();
    this.#options.finished();
  }

  #publish(type: string, payload: object): Promise<unknown> {
    return this.#options.transport.publish(this.replyTo, type, payload, this.id);
  }

  #wakeWriter(): void {
    const waiters = this.#creditWaiters;
    this.#creditWaiters = [];
    for (const wake of waiters) wake();
  }
}
