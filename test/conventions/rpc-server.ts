/**
 * An independent server of docs/conventions/streaming-rpc.md (§3.2–§3.4, §5, §6), written from that
 * document alone: it reads a request channel in order through the public Messenger API and answers
 * with raw frames on each request's `reply_to`.
 */
import { randomUUID } from 'node:crypto';
import type { Messenger } from '../../src/index.js';
import { publishRaw, RawReader, type RawRecord } from './raw.js';
import { clampKeepalive, Code, Defaults, isObject, isPublishableChannel, RpcType } from './rpc-wire.js';

/** A request as the handler sees it. */
export interface RawRequest {
  readonly streamId: string;
  readonly type: string;
  readonly body: unknown;
  readonly replyTo: string;
  readonly deadlineMs: number;
  readonly keepaliveMs: number;
  readonly window: number;
  /** The request record as read. */
  readonly record: RawRecord;
}

/** What a handler writes with. */
export interface RawWriter {
  /** Aborted on cancel, deadline and shutdown. */
  readonly signal: AbortSignal;
  /** Sends a data frame once the credit allows it (§3.6). */
  write(data: unknown): Promise<void>;
  /** Ends the stream with `code` now (§5.6 "closes explicitly"). */
  close(code: number, text: string): Promise<void>;
}

/** A handler of one request type. */
export type RawHandler = (request: RawRequest, writer: RawWriter) => unknown;

/** Thrown by a handler: the stream closes with `code` (§5.6 "a typed close error"). */
export class RawCloseError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
  }
}

/** A record the server read and did not serve, and why (§5 steps 2–4). */
export interface Refused {
  readonly reason: 'unanswerable' | 'no-stream-id' | 'seen' | 'deadline' | 'unknown-rpc-type';
  readonly record: RawRecord;
}

class ServedStream {
  readonly controller = new AbortController();
  open = true;
  seq = 0;
  credit: number;
  #creditWaiter: (() => void) | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  keepaliveTimer: NodeJS.Timeout | undefined;
  deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly request: RawRequest,
    readonly server: RawServer,
  ) {
    this.credit = request.window;
  }

  raiseCredit(upTo: number): void {
    if (upTo <= this.credit) return;
    this.credit = upTo;
    this.#wake();
  }

  async write(data: unknown): Promise<void> {
    while (this.open && this.seq + 1 > this.credit) {
      await new Promise<void>((resolve) => (this.#creditWaiter = resolve));
    }
    if (!this.open) throw new Error(`stream ${this.request.streamId} is not open`);
    this.seq += 1;
    await this.send(RpcType.data, { seq: this.seq, run: this.server.run, data });
  }

  async close(code: number, text: string): Promise<void> {
    if (!this.open) return;
    this.end();
    this.server.closes.push({ id: this.request.streamId, code, text });
    await this.send(RpcType.close, { seq: this.seq + 1, run: this.server.run, code, text });
  }

  /** Stops the stream without a frame (cancel) or before its close frame. */
  end(): void {
    this.open = false;
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.deadlineTimer);
    this.server.forget(this);
    this.controller.abort();
    this.#wake();
  }

  send(payloadType: string, payload: unknown): Promise<unknown> {
    this.server.armKeepalive(this);
    const { replyTo, streamId } = this.request;
    const sent = this.#chain.then(() =>
      publishRaw(this.server.messenger, replyTo, payloadType, payload, streamId),
    );
    this.#chain = sent.catch(() => undefined);
    this.server.track(this.#chain);
    return sent;
  }

  #wake(): void {
    const wake = this.#creditWaiter;
    this.#creditWaiter = undefined;
    wake?.();
  }
}

/** The independent server of one request channel. */
export class RawServer {
  /** This runtime's run id (§6). */
  readonly run = randomUUID();
  /** Records read and not served. */
  readonly refused: Refused[] = [];
  /** Close frames sent: stream id, code and text. */
  readonly closes: { id: string; code: number; text: string }[] = [];
  /** Keepalive records sent: `reply_to` and the ids listed. */
  readonly keepalives: { replyTo: string; streams: string[] }[] = [];
  /** Requests started, in order. */
  readonly started: RawRequest[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #open = new Map<string, ServedStream>();
  readonly #seen = new Set<string>();
  #listeners: (() => void)[] = [];
  #reader: RawReader | undefined;

  private constructor(
    readonly messenger: Messenger,
    readonly channel: string,
    readonly handlers: Readonly<Record<string, RawHandler>>,
  ) {}

  /** Serves `handlers` (by request type) on `channel`, reading it as `subscriberId`. */
  static async open(
    messenger: Messenger,
    channel: string,
    handlers: Readonly<Record<string, RawHandler>>,
    subscriberId = 'raw-rpc-server',
  ): Promise<RawServer> {
    const server = new RawServer(messenger, channel, handlers);
    server.#reader = await RawReader.open(messenger, channel, subscriberId);
    server.#reader.onRecord((record) => {
      server.#read(record);
    });
    return server;
  }

  /** Open stream ids. */
  get openStreams(): string[] {
    return [...this.#open.keys()];
  }

  /** Resolves once `check` holds, re-checked after every record read or frame sent. */
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.#listeners.push(resolve));
  }

  /** Shutdown (§5.6): stop reading, abort open streams and close them with 1001. */
  async close(): Promise<void> {
    await this.#reader?.close();
    for (const stream of [...this.#open.values()]) void stream.close(Code.goingAway, 'server shutting down');
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** @internal */
  forget(stream: ServedStream): void {
    this.#open.delete(stream.request.streamId);
    this.#changed();
  }

  /** @internal (Re)starts the keepalive timer of `stream` (§3.4). */
  armKeepalive(stream: ServedStream): void {
    clearTimeout(stream.keepaliveTimer);
    if (!stream.open) return;
    stream.keepaliveTimer = setTimeout(() => {
      this.#keepalive(stream.request.replyTo);
    }, stream.request.keepaliveMs);
  }

  #keepalive(replyTo: string): void {
    const streams = [...this.#open.values()].filter((s) => s.request.replyTo === replyTo);
    for (let i = 0; i < streams.length; i += Defaults.keepaliveIds) {
      const ids = streams.slice(i, i + Defaults.keepaliveIds).map((s) => s.request.streamId);
      this.keepalives.push({ replyTo, streams: ids });
      const sent = publishRaw(this.messenger, replyTo, RpcType.keepalive, { streams: ids }).catch(
        () => undefined,
      );
      this.track(sent);
    }
    for (const stream of streams) this.armKeepalive(stream);
    this.#changed();
  }

  /** @internal Keeps `sent` until it settles, so shutdown can wait for it. */
  track(sent: Promise<unknown>): void {
    this.#pending.add(sent);
    void sent.finally(() => this.#pending.delete(sent));
  }

  #changed(): void {
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  /** §5, one record of the request channel, in channel order. */
  #read(record: RawRecord): void {
    this.#serve(record);
    this.#changed();
  }

  #serve(record: RawRecord): void {
    const id = record.correlationId;
    if (record.payloadType === RpcType.cancel) {
      this.#seen.add(id);
      this.#open.get(id)?.end();
      return;
    }
    if (record.payloadType === RpcType.credit) {
      const upTo = (record.payload as { up_to_seq?: unknown } | null)?.up_to_seq;
      if (Number.isSafeInteger(upTo)) this.#open.get(id)?.raiseCredit(upTo as number);
      return;
    }
    if (record.payloadType.startsWith('rpc.')) {
      this.#refuse('unknown-rpc-type', record);
      return;
    }
    const payload = record.payload;
    if (!isObject(payload) || !isPublishableChannel(payload.reply_to)) {
      this.#refuse('unanswerable', record);
      return;
    }
    if (id === '') {
      this.#refuse('no-stream-id', record);
      return;
    }
    if (this.#seen.has(id)) {
      this.#refuse('seen', record);
      return;
    }
    this.#seen.add(id);
    const deadlineMs = payload.deadline_ms;
    const late = Number.isSafeInteger(deadlineMs) && (deadlineMs as number) <= Date.now();
    if (deadlineMs === undefined || late) {
      this.#refuse('deadline', record);
      return;
    }
    this.#start(record, payload);
  }

  #start(record: RawRecord, payload: Record<string, unknown>): void {
    const {
      deadline_ms: deadlineMs,
      keepalive_ms: keepaliveMs = Defaults.keepaliveMs,
      window = Defaults.window,
    } = payload;
    const wellFormed =
      Number.isSafeInteger(deadlineMs) &&
      Number.isSafeInteger(keepaliveMs) &&
      Number.isSafeInteger(window) &&
      (window as number) >= 1;
    const request: RawRequest = {
      streamId: record.correlationId,
      type: record.payloadType,
      body: payload.body ?? null,
      replyTo: payload.reply_to as string,
      deadlineMs: wellFormed ? (deadlineMs as number) : 0,
      keepaliveMs: wellFormed ? clampKeepalive(keepaliveMs as number) : Defaults.keepaliveMs,
      window: wellFormed ? (window as number) : Defaults.window,
      record,
    };
    const stream = new ServedStream(request, this);
    this.#open.set(request.streamId, stream);
    if (!wellFormed) {
      void stream.close(Code.badRequest, 'deadline_ms, keepalive_ms and window must be integers, window ≥ 1');
      return;
    }
    const handler = this.handlers[request.type];
    if (handler === undefined) {
      void stream.close(Code.noHandler, `no handler for ${request.type}`);
      return;
    }
    stream.deadlineTimer = setTimeout(
      () => void stream.close(Code.deadlineExceeded, 'deadline exceeded'),
      request.deadlineMs - Date.now(),
    );
    this.started.push(request);
    this.armKeepalive(stream);
    void this.#run(stream, handler);
  }

  async #run(stream: ServedStream, handler: RawHandler): Promise<void> {
    const writer: RawWriter = {
      signal: stream.controller.signal,
      write: (data) => stream.write(data),
      close: (code, text) => stream.close(code, text),
    };
    let code: number = Code.normal;
    let text = '';
    try {
      await handler(stream.request, writer);
    } catch (err) {
      code = err instanceof RawCloseError ? err.code : Code.internalError;
      text = err instanceof Error ? err.message : String(err);
    }
    await stream.close(code, text);
  }

  #refuse(reason: Refused['reason'], record: RawRecord): void {
    this.refused.push({ reason, record });
  }
}
