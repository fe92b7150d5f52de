/**
 * An independent requester of docs/conventions/streaming-rpc.md (§3.1, §3.5, §3.6, §7), written from
 * that document alone: raw envelopes on the service's request channel and on this instance's inbox,
 * through the public Messenger API only.
 */
import { randomUUID } from 'node:crypto';
import type { Messenger } from '../../src/index.js';
import { publishRaw, RawReader, type RawRecord } from './raw.js';
import { clampKeepalive, Code, Defaults, inboxOf, readFrame, RpcType, type Frame } from './rpc-wire.js';

/** How a stream ended. */
export interface StreamEnd {
  /**
   * The close code: remote (from a close frame) or local (§4 "requester (local)"); 0 when the
   * application cancelled.
   */
  readonly code: number;
  readonly text: string;
  /** True when the requester decided the end (no close frame). */
  readonly local: boolean;
}

/** A frame the requester read and dropped, and why. */
export interface Dropped {
  readonly reason: 'duplicate' | 'second-server' | 'not-a-frame';
  readonly record: RawRecord;
}

/** Options of {@link RawRequester.open}; every field of the request can be set or broken. */
export interface RawOpenOptions {
  /** Stream id (default: a new UUID v4). */
  streamId?: string;
  /** Absolute `deadline_ms` (default: now + 60 s); `null` leaves the field out. */
  deadlineMs?: number | null;
  /**
   * Ends the stream locally with 4008 at `deadline_ms` (§7.1; default true). A test of the server's
   * own 4008 turns it off, so that the two timers do not race.
   */
  localDeadline?: boolean;
  keepaliveMs?: number;
  window?: number;
  /** `reply_to` (default: this instance's inbox). */
  replyTo?: string;
  /** More payload fields (unknown fields, or broken values of known ones). */
  extra?: Record<string, unknown>;
  /** The whole payload instead of the one built from the other options. */
  payload?: unknown;
}

/** What {@link RawStream.take} returns once the stream has ended and every item was taken. */
export const END = Symbol('end');

/** One stream opened by the independent requester. */
export class RawStream {
  /** The data items delivered to the application, in order. */
  readonly taken: unknown[] = [];
  /** Frames read and dropped for this stream. */
  readonly dropped: Dropped[] = [];
  /** Resolves when the stream ends (before its last items are necessarily taken). */
  readonly ended: Promise<StreamEnd>;
  /** The credit records sent (`up_to_seq`), in order. */
  readonly grants: number[] = [];
  #end: StreamEnd | undefined;
  #resolveEnd: (end: StreamEnd) => void = () => undefined;
  readonly #buffer: { data: unknown }[] = [];
  #wake: (() => void) | undefined;
  #expectedSeq = 1;
  #fixed: { origin: string; run: string } | undefined;
  #grantedUpTo: number;
  #consumedAtGrant = 0;
  #silence: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  readonly #silenceMs: number;

  /** @internal */
  constructor(
    readonly id: string,
    readonly channel: string,
    readonly window: number,
    keepaliveMs: number,
    readonly requester: RawRequester,
  ) {
    this.#grantedUpTo = window;
    this.#silenceMs = Defaults.silenceIntervals * clampKeepalive(keepaliveMs);
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
  }

  /** The end, once the stream ended. */
  get end(): StreamEnd | undefined {
    return this.#end;
  }

  /** Items received and not taken yet. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** The next item, or the end once every item before it was taken (§7.2). */
  async take(): Promise<unknown> {
    for (;;) {
      const item = this.#buffer.shift();
      if (item !== undefined) {
        this.taken.push(item.data);
        this.#consumed();
        return item.data;
      }
      if (this.#end !== undefined) return END;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Takes every item until the end; resolves with the items and the end. */
  async readAll(): Promise<{ items: unknown[]; end: StreamEnd }> {
    const items: unknown[] = [];
    for (;;) {
      const item = await this.take();
      if (item === END) return { items, end: this.#end! };
      items.push(item);
    }
  }

  /** The application stops reading: cancel at the server (§7.3). */
  async cancel(reason = 'cancelled by the caller'): Promise<void> {
    await this.#endLocally(0, reason);
  }

  /** @internal The requester shuts down: a local 1001 (§4), and a cancel. */
  async shutDown(): Promise<void> {
    await this.#endLocally(Code.goingAway, 'the requester is closing');
  }

  /** Grants credit up to `upToSeq` now, whatever has been taken (§3.6). */
  grant(upToSeq: number): void {
    this.#grantedUpTo = Math.max(this.#grantedUpTo, upToSeq);
    this.grants.push(upToSeq);
    this.requester.sendCredit(this, upToSeq);
  }

  /** @internal Starts the timers of §7.1. */
  start(deadlineMs: number | undefined): void {
    this.#touch();
    if (deadlineMs !== undefined) {
      this.#deadline = setTimeout(
        () => {
          void this.#endLocally(Code.deadlineExceeded, 'deadline exceeded');
        },
        Math.max(0, deadlineMs - Date.now()),
      );
    }
  }

  /** @internal A keepalive named this stream. */
  keepalive(): void {
    if (this.#end === undefined) this.#touch();
  }

  /** @internal A record with this stream's id arrived on the inbox while it is open (§7.2). */
  receive(record: RawRecord): void {
    if (record.payloadType !== RpcType.data && record.payloadType !== RpcType.close) {
      this.#drop('not-a-frame', record);
      return;
    }
    if (this.#fixed !== undefined && record.origin !== this.#fixed.origin) {
      this.#drop('second-server', record);
      return;
    }
    const frame = readFrame(record.payloadType, record.payload);
    if (frame === undefined) {
      void this.#endLocally(Code.unsupportedData, 'unreadable frame');
      return;
    }
    this.#fixed ??= { origin: record.origin, run: frame.run };
    if (frame.run !== this.#fixed.run) {
      void this.#endLocally(Code.abnormal, 'the server restarted');
      return;
    }
    if (frame.seq < this.#expectedSeq) {
      this.#drop('duplicate', record);
      return;
    }
    if (frame.seq > this.#expectedSeq) {
      void this.#endLocally(Code.abnormal, 'frames were lost');
      return;
    }
    this.#accept(frame);
  }

  #accept(frame: Frame): void {
    if (frame.kind === 'close') {
      this.#finish({ code: frame.code, text: frame.text, local: false });
      return;
    }
    this.#touch();
    if (frame.seq > this.#grantedUpTo) {
      void this.#endLocally(Code.saturated, 'data beyond credit');
      return;
    }
    this.#expectedSeq += 1;
    this.#buffer.push({ data: frame.data });
    this.#wakeReader();
  }

  #consumed(): void {
    const consumed = this.taken.length;
    if (this.#end !== undefined || consumed - this.#consumedAtGrant < this.window / 2) return;
    this.#consumedAtGrant = consumed;
    this.#grantedUpTo = consumed + this.window;
    this.grants.push(this.#grantedUpTo);
    this.requester.sendCredit(this, this.#grantedUpTo);
  }

  #touch(): void {
    clearTimeout(this.#silence);
    this.#silence = setTimeout(() => {
      void this.#endLocally(Code.abnormal, 'silence');
    }, this.#silenceMs);
  }

  #drop(reason: Dropped['reason'], record: RawRecord): void {
    this.dropped.push({ reason, record });
  }

  #endLocally(code: number, text: string): Promise<void> {
    if (this.#end !== undefined) return Promise.resolve();
    this.#finish({ code, text, local: true });
    return this.requester.sendCancel(this, text);
  }

  #finish(end: StreamEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    clearTimeout(this.#silence);
    clearTimeout(this.#deadline);
    this.requester.forget(this);
    this.#resolveEnd(end);
    this.#wakeReader();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** The independent requester of one instance: its inbox reader and its open streams. */
export class RawRequester {
  readonly #streams = new Map<string, RawStream>();

  private constructor(
    readonly messenger: Messenger,
    readonly inbox: string,
    readonly reader: RawReader,
  ) {}

  /** Reads the inbox of `messenger`'s instance (`_inbox.<slug(name)>`) as `subscriberId`. */
  static async open(messenger: Messenger, subscriberId = 'raw-rpc-inbox'): Promise<RawRequester> {
    const inbox = inboxOf(messenger.name);
    const reader = await RawReader.open(messenger, inbox, subscriberId);
    const requester = new RawRequester(messenger, inbox, reader);
    reader.onRecord((record) => {
      requester.#route(record);
    });
    return requester;
  }

  /** Publishes a request (§3.1) and returns its stream, open until a close frame or a local end. */
  async open(channel: string, type: string, body: unknown, options: RawOpenOptions = {}): Promise<RawStream> {
    const id = options.streamId ?? randomUUID();
    const window = options.window ?? Defaults.window;
    const keepaliveMs = options.keepaliveMs ?? Defaults.keepaliveMs;
    const deadlineMs = options.deadlineMs === undefined ? Date.now() + 60_000 : options.deadlineMs;
    const stream = new RawStream(id, channel, window, keepaliveMs, this);
    this.#streams.set(id, stream);
    const payload = options.payload ?? {
      reply_to: options.replyTo ?? this.inbox,
      ...(deadlineMs === null ? {} : { deadline_ms: deadlineMs }),
      ...(options.keepaliveMs === undefined ? {} : { keepalive_ms: options.keepaliveMs }),
      ...(options.window === undefined ? {} : { window: options.window }),
      body,
      ...options.extra,
    };
    stream.start(options.localDeadline !== false && deadlineMs !== null ? deadlineMs : undefined);
    await publishRaw(this.messenger, channel, type, payload, id);
    return stream;
  }

  /** Ends every open stream with a local 1001 (cancelled at its server) and stops reading the inbox. */
  async close(): Promise<void> {
    for (const stream of [...this.#streams.values()]) await stream.shutDown();
    await this.reader.close();
  }

  /** @internal §3.5 */
  async sendCancel(stream: RawStream, reason: string): Promise<void> {
    await publishRaw(this.messenger, stream.channel, RpcType.cancel, { reason }, stream.id).catch(
      () => undefined,
    );
  }

  /** @internal §3.6 */
  sendCredit(stream: RawStream, upToSeq: number): void {
    void publishRaw(this.messenger, stream.channel, RpcType.credit, { up_to_seq: upToSeq }, stream.id).catch(
      () => undefined,
    );
  }

  /** @internal */
  forget(stream: RawStream): void {
    this.#streams.delete(stream.id);
  }

  #route(record: RawRecord): void {
    if (record.payloadType === RpcType.keepalive) {
      const ids = (record.payload as { streams?: unknown } | null)?.streams;
      if (Array.isArray(ids))
        for (const id of ids) if (typeof id === 'string') this.#streams.get(id)?.keepalive();
      return;
    }
    // A frame of no open stream (unknown, or finished and forgotten) is dropped (§7.2).
    this.#streams.get(record.correlationId)?.receive(record);
  }
}
