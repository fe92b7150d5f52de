/**
 * The server side of the request/reply convention (docs/conventions/streaming-rpc.md §5): reads request
 * channels in order, starts a handler per new stream without waiting for it, and owns every open
 * stream's close, deadline, credit and keepalive.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock/index.js';
import type { Message } from '../delivery/index.js';
import { errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { RpcCloseError } from './close-error.js';
import { checkRequestType } from './request-type.js';
import { CloseCode, readCredit, readRequest, RESERVED_TYPE_PREFIX, RPC_LIMITS, RpcType } from './protocol.js';
import { ServedStream, type RpcWriter } from './served-stream.js';
import type { RpcTransport } from './transport.js';

/** A request as a handler sees it. */
export interface RpcRequest<T = unknown> {
  /** The stream id (the envelope's correlation id). */
  readonly streamId: string;
  /** The request channel. */
  readonly channel: string;
  /** The request type. */
  readonly payloadType: string;
  /** The requesting instance. */
  readonly origin: string;
  /** The request body. */
  readonly body: T;
  /** Unix ms after which the stream is ended with 4008. */
  readonly deadlineMs: number;
}

/** Serves one request type: writes data with the writer; returning closes with 1000. */
export type RpcHandler<T = unknown> = (request: RpcRequest<T>, writer: RpcWriter) => unknown;

/** Settings of a server. */
export interface ServerOptions {
  transport: RpcTransport;
  clock: Clock;
  logger: Logger;
}

/** How long a stream id cancelled before its request arrived is remembered. */
const EARLY_CANCEL_MEMORY_MS = 10 * 60_000;

interface ServedChannel {
  readonly handlers: Map<string, RpcHandler>;
  stop: (() => Promise<void>) | undefined;
}

/** Counters of a server, for stats. */
export interface RpcServerCounters {
  /** Streams started. */
  served: number;
  /** Requests dropped because their deadline had passed or was missing. */
  expired: number;
  /** Requests dropped because their stream id was seen already. */
  duplicates: number;
  /** Requests dropped because they could not be answered (no stream id or reply channel). */
  unanswerable: number;
}

/** Serves request types on request channels. */
export class RpcServer {
  /** This run's id, in every frame it sends. */
  readonly run = randomUUID();
  /** What happened to the requests read so far. */
  readonly counters: RpcServerCounters = { served: 0, expired: 0, duplicates: 0, unanswerable: 0 };
  readonly #transport: RpcTransport;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #channels = new Map<string, ServedChannel>();
  readonly #open = new Map<string, ServedStream>();
  /** Stream ids seen, with the time after which they may be forgotten. */
  readonly #seen = new Map<string, number>();
  #keepaliveTimer: TimerHandle | undefined;
  #keepaliveDue = Infinity;
  #closed = false;

  /** @param options - transport, clock and logger */
  constructor(options: ServerOptions) {
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /** Streams being served now. */
  get openStreams(): number {
    return this.#open.size;
  }

  /** The streams being served now. */
  openStreamList(): { id: string; channel: string; payloadType: string; replyTo: string }[] {
    return [...this.#open.values()].map(({ id, channel, payloadType, replyTo }) => ({
      id,
      channel,
      payloadType,
      replyTo,
    }));
  }

  /**
   * Serves `payloadType` on `channel` with `handler`; resolves with a function that stops serving it
   * (open streams of that type are closed with 1001).
   */
  async serve(channel: string, payloadType: string, handler: RpcHandler): Promise<() => Promise<void>> {
    if (this.#closed) throw new RpcCloseError(CloseCode.GOING_AWAY, 'the server is closed');
    checkRequestType(payloadType);
    let served = this.#channels.get(channel);
    if (served?.handlers.has(payloadType) === true) {
      throw new RpcCloseError(
        CloseCode.BAD_REQUEST,
        `${JSON.stringify(payloadType)} is served on ${JSON.stringify(channel)} already`,
      );
    }
    if (served === undefined) {
      served = { handlers: new Map(), stop: undefined };
      this.#channels.set(channel, served);
      served.handlers.set(payloadType, handler);
      try {
        served.stop = await this.#transport.listen(channel, 'server', (m) => {
          this.#onRequestRecord(channel, m);
        });
      } catch (err) {
        this.#channels.delete(channel);
        throw err;
      }
    } else {
      served.handlers.set(payloadType, handler);
    }
    const owner = served;
    return async () => {
      if (owner.handlers.get(payloadType) !== handler) return;
      owner.handlers.delete(payloadType);
      await this.#shutDown((s) => s.channel === channel && s.payloadType === payloadType);
      if (owner.handlers.size === 0 && this.#channels.get(channel) === owner) {
        this.#channels.delete(channel);
        await owner.stop?.();
      }
    };
  }

  /** Closes every open stream with 1001 and stops reading request channels. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#shutDown(() => true);
    this.#keepaliveTimer?.clear();
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    await Promise.all(channels.map(async (c) => c.stop?.()));
  }

  async #shutDown(which: (s: ServedStream) => boolean): Promise<void> {
    const closing = [...this.#open.values()].filter(which);
    await Promise.all(
      closing.map((s) =>
        s.abortAndClose(new RpcCloseError(CloseCode.GOING_AWAY, 'the server is shutting down')),
      ),
    );
  }

  #onRequestRecord(channel: string, message: Message): void {
    const id = message.correlationId;
    if (message.payloadType === RpcType.CANCEL) {
      const open = this.#open.get(id);
      if (open !== undefined) open.cancel();
      else if (!this.#seen.has(id)) this.#remember(id, this.#clock.now() + EARLY_CANCEL_MEMORY_MS);
      return;
    }
    if (message.payloadType === RpcType.CREDIT) {
      const upTo = readCredit(message.payload);
      if (upTo !== undefined) this.#open.get(id)?.credit(upTo);
      return;
    }
    if (message.payloadType.startsWith(RESERVED_TYPE_PREFIX)) return;
    this.#onRequest(channel, message);
  }

  #onRequest(channel: string, message: Message): void {
    const id = message.correlationId;
    const request = readRequest(message.payload);
    const log = { channel, stream: id, type: message.payloadType, origin: message.origin };
    if (id === '' || ('problem' in request && request.replyTo === undefined)) {
      this.counters.unanswerable += 1;
      const problem =
        id === '' ? 'no stream id (correlation_id)' : 'problem' in request ? request.problem : '';
      this.#logger.warn({ ...log, problem }, 'dropping a request that cannot be answered');
      return;
    }
    if (this.#seen.has(id)) {
      this.counters.duplicates += 1;
      this.#logger.debug(log, 'dropping a request whose stream id was seen already');
      return;
    }
    const now = this.#clock.now();
    // §5 step 4 before step 5: a request that is late, or cannot say when it is, is never answered.
    const { deadlineMs } = request;
    if (deadlineMs === null || (deadlineMs !== undefined && deadlineMs <= now)) {
      this.#remember(id, deadlineMs ?? now);
      this.counters.expired += 1;
      this.#logger.warn(
        deadlineMs === null
          ? { ...log, problem: 'deadline_ms is missing' }
          : { ...log, deadline_ms: deadlineMs, late_ms: now - deadlineMs },
        'dropping a request whose deadline passed or is missing',
      );
      return;
    }
    if ('problem' in request) {
      this.#remember(id, now + EARLY_CANCEL_MEMORY_MS);
      this.#closeUnstarted(request.replyTo ?? '', id, CloseCode.BAD_REQUEST, request.problem);
      return;
    }
    this.#remember(id, request.deadlineMs);
    const handler = this.#channels.get(channel)?.handlers.get(message.payloadType);
    if (handler === undefined) {
      this.#closeUnstarted(
        request.replyTo,
        id,
        CloseCode.NO_HANDLER,
        `no handler for ${JSON.stringify(message.payloadType)} on ${JSON.stringify(channel)}`,
      );
      return;
    }
    this.counters.served += 1;
    const stream = new ServedStream({
      id,
      channel,
      payloadType: message.payloadType,
      request,
      run: this.run,
      transport: this.#transport,
      clock: this.#clock,
      logger: this.#logger,
      finished: () => this.#open.delete(id),
    });
    this.#open.set(id, stream);
    this.#scheduleKeepalive(stream.keepaliveDueAt);
    const view: RpcRequest = {
      streamId: id,
      channel,
      payloadType: message.payloadType,
      origin: message.origin,
      body: request.body,
      deadlineMs: request.deadlineMs,
    };
    void stream.run(() => handler(view, stream.writer));
  }

  #closeUnstarted(replyTo: string, id: string, code: number, text: string): void {
    this.#logger.info({ stream: id, code, text }, 'refusing a request');
    this.#transport
      .publish(replyTo, RpcType.CLOSE, { seq: 1, run: this.run, code, text }, id)
      .catch((err: unknown) => {
        this.#logger.warn({ stream: id, err: errorMessage(err) }, 'could not send a close frame');
      });
  }

  #remember(id: string, until: number): void {
    this.#seen.set(id, until);
    if (this.#seen.size % 1024 === 0) {
      const now = this.#clock.now();
      for (const [seen, keepUntil] of this.#seen)
        if (keepUntil < now && !this.#open.has(seen)) this.#seen.delete(seen);
    }
  }

  #scheduleKeepalive(due: number): void {
    if (this.#closed || due >= this.#keepaliveDue) return;
    this.#keepaliveTimer?.clear();
    this.#keepaliveDue = due;
    this.#keepaliveTimer = this.#clock.setTimeout(
      () => {
        this.#sendKeepalives();
      },
      Math.max(0, due - this.#clock.now()),
    );
  }

  #sendKeepalives(): void {
    this.#keepaliveDue = Infinity;
    this.#keepaliveTimer = undefined;
    const now = this.#clock.now();
    const dueByInbox = new Map<string, string[]>();
    let next = Infinity;
    for (const stream of this.#open.values()) {
      if (stream.keepaliveDueAt <= now) {
        const ids = dueByInbox.get(stream.replyTo) ?? [];
        ids.push(stream.id);
        dueByInbox.set(stream.replyTo, ids);
        stream.keptAlive();
      }
      next = Math.min(next, stream.keepaliveDueAt);
    }
    for (const [inbox, ids] of dueByInbox) {
      for (let i = 0; i < ids.length; i += RPC_LIMITS.keepaliveIdsPerRecord) {
        const streams = ids.slice(i, i + RPC_LIMITS.keepaliveIdsPerRecord);
        this.#transport.publish(inbox, RpcType.KEEPALIVE, { streams }, '').catch((err: unknown) => {
          this.#logger.warn({ inbox, err: errorMessage(err) }, 'could not send a keepalive');
        });
      }
    }
    if (next !== Infinity) this.#scheduleKeepalive(next);
  }
}
