/**
 * The requester side of the request/reply convention: one inbox reader routes frames to the open
 * streams by stream id (docs/conventions/streaming-rpc.md §7). A slow stream never stalls the inbox:
 * each stream holds at most its credit window of frames, and the server waits for credit.
 */
import { randomUUID } from 'node:crypto';
import { Backoff, type Clock } from '../clock/index.js';
import type { Message } from '../delivery/index.js';
import { ErrorCode, errorMessage, hasErrorCode, MessengerError } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { inboxChannelOf } from '../naming/index.js';
import { RpcCloseError } from './close-error.js';
import { checkRequestType } from './request-type.js';
import { clampKeepalive, CloseCode, readFrame, RPC_LIMITS, RpcType } from './protocol.js';
import { asError, RequesterStream, type StreamEnd } from './requester-stream.js';
import type { RpcTransport } from './transport.js';

/** Options of one stream. */
export interface OpenStreamOptions {
  /** Ends the stream (and cancels it at the server) when aborted; the iterator throws the reason. */
  signal?: AbortSignal;
  /** The request's deadline, from now; default 60 000 ms. The stream ends with 4008 when it passes. */
  timeoutMs?: number;
  /**
   * The keepalive interval asked of the server (default 10 000 ms). The server keeps it clamped to
   * [100, 60 000] ms; silence for 3× that ends the stream with 1006.
   */
  keepaliveMs?: number;
  /** Data frames buffered for this stream before the server must wait for credit; default 256. */
  window?: number;
  /** The stream id; default a new UUID. Reuse one only to retry a request whose publish failed. */
  streamId?: string;
}

/** Settings of a requester. */
export interface RequesterOptions {
  transport: RpcTransport;
  clock: Clock;
  logger: Logger;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const PUBLISH_RETRY = { baseMs: 100, maxMs: 2_000 };

/** Opens streams and reads the inbox they are answered on. */
export class RpcRequester {
  readonly #transport: RpcTransport;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #inbox: string;
  readonly #streams = new Map<string, RequesterStream>();
  #stopInbox: (() => Promise<void>) | undefined;
  #closed = false;

  /** @param options - transport, clock and logger */
  constructor(options: RequesterOptions) {
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#inbox = inboxChannelOf(options.transport.instance);
  }

  /** The inbox channel this requester reads. */
  get inbox(): string {
    return this.#inbox;
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Starts reading the inbox. */
  async start(): Promise<void> {
    this.#stopInbox = await this.#transport.listen(this.#inbox, 'inbox', (m) => {
      this.#onInboxRecord(m);
    });
  }

  /** Opens a stream: publishes the request and returns the iterator of its data items. */
  open<R>(
    channel: string,
    payloadType: string,
    body: unknown,
    options: OpenStreamOptions = {},
  ): RequesterStream<R> {
    if (this.#closed) throw new RpcCloseError(CloseCode.GOING_AWAY, 'the requester is closed');
    checkRequestType(payloadType);
    const id = options.streamId ?? randomUUID();
    const keepaliveMs = positiveWhole('keepaliveMs', options.keepaliveMs ?? RPC_LIMITS.defaultKeepaliveMs);
    const window = positiveWhole('window', options.window ?? RPC_LIMITS.defaultWindow);
    const deadlineMs =
      this.#clock.now() + positiveWhole('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const stream = new RequesterStream<R>({
      id,
      window,
      // The server clamps the interval it keeps (§3.1): silence is judged on the one it uses.
      silenceMs: 3 * clampKeepalive(keepaliveMs),
      deadlineMs,
      clock: this.#clock,
      signal: options.signal,
      grant: (upTo) => {
        this.#control(channel, id, RpcType.CREDIT, { up_to_seq: upTo });
      },
      ended: (end) => {
        this.#streams.delete(id);
        if (end.cancel) this.#control(channel, id, RpcType.CANCEL, { reason: end.reason });
      },
    });
    this.#streams.set(id, stream);
    const request = {
      reply_to: this.#inbox,
      deadline_ms: deadlineMs,
      keepalive_ms: keepaliveMs,
      window,
      body,
    };
    void this.#publishRequest(stream, channel, payloadType, request);
    return stream;
  }

  /** Ends every open stream with 1001 and stops reading the inbox. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const end: StreamEnd = {
      error: new RpcCloseError(CloseCode.GOING_AWAY, 'the requester is closing'),
      cancel: true,
      reason: 'requester closing',
    };
    for (const stream of [...this.#streams.values()]) stream.end(end);
    await this.#stopInbox?.();
  }

  /** Publishes a request, retrying while its outcome is unknown (the server serves a stream id once). */
  async #publishRequest(
    stream: RequesterStream,
    channel: string,
    payloadType: string,
    request: object,
  ): Promise<void> {
    const backoff = new Backoff(PUBLISH_RETRY);
    for (;;) {
      try {
        await this.#transport.publish(channel, payloadType, request, stream.id);
        return;
      } catch (err) {
        if (stream.isEnded) return;
        const delay = backoff.next();
        if (!isOutcomeUnknown(err) || this.#clock.now() + delay >= stream.deadlineMs) {
          stream.end({ error: asError(err), cancel: false, reason: '' });
          return;
        }
        this.#logger.debug(
          { stream: stream.id, err: errorMessage(err) },
          'retrying a request whose publish failed',
        );
        await this.#clock.sleep(delay);
        if (stream.isEnded) return;
      }
    }
  }

  #onInboxRecord(message: Message): void {
    const frame = readFrame(message.payloadType, message.payload);
    if (frame.kind === 'keepalive') {
      for (const id of frame.streams) this.#streams.get(id)?.alive();
      return;
    }
    const stream = this.#streams.get(message.correlationId);
    if (stream === undefined) {
      if (frame.kind !== 'other') {
        this.#logger.debug(
          { stream: message.correlationId, type: message.payloadType },
          'dropping a frame of no open stream',
        );
      }
      return;
    }
    stream.receive(frame, message.origin, (dropped) => {
      this.#logger.warn(
        { stream: stream.id, origin: message.origin, ...dropped },
        'dropping a frame of this stream',
      );
    });
  }

  #control(channel: string, id: string, type: string, payload: object): void {
    this.#transport.publish(channel, type, payload, id).catch((err: unknown) => {
      this.#logger.debug(
        { stream: id, type, err: errorMessage(err) },
        'could not send a stream control record',
      );
    });
  }
}

/** `value`, or ERR_INVALID_ARGUMENT naming `option` unless it is a whole number of at least 1. */
function positiveWhole(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `openStream: ${option} must be a whole number of at least 1, not ${String(value)}`,
    );
  }
  return value;
}

/** A publish that may or may not have been stored (a lost link before the hub's acknowledgement). */
function isOutcomeUnknown(err: unknown): boolean {
  return hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST);
}
