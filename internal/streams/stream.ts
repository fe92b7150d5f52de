/**
 * One stream at run time: its metadata, its opened spans, the writer state, the ordered append
 * path, and the readers' view (start, tail, closure).
 */
import type { Clock } from '../clock/index.js';
import type { AppendResult, FlushScheduler } from '../storage/index.js';
import type { EnvelopeEncoder } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import { AppendBatcher } from './append-batcher.js';
import { sameMediaType, streamModeOf, type StreamMode } from './content-type.js';
import { fail } from './errors.js';
import { splitJsonBody } from './json-body.js';
import { judgeProducer, type ProducerClaim } from './producers.js';
import {
  PAYLOAD_TYPES,
  bodyPayload,
  encodeControl,
  encodeLines,
  type ControlPayload,
  type EnvelopeSource,
} from './message-records.js';
import { StreamCursor } from './stream-cursor.js';
import type { StreamMeta } from './stream-meta.js';
import {
  isBoundary,
  ownSpan,
  readStream,
  streamOffsetAtTime,
  streamStart,
  streamTail,
  type OpenSpan,
  type ReadOptions,
  type ReadSource,
  type SkippedBytes,
  type StreamChunk,
} from './stream-reader.js';
import { WriterState, replayWriterState } from './writer-state.js';
import { sharedAbortController } from './shared-signal.js';

/** One POST (or the body of a PUT). */
export interface AppendRequest {
  /** The request's `Content-Type`, if any. */
  contentType: string | undefined;
  body: Buffer;
  /** `Stream-Closed: true` was sent. */
  close: boolean;
  /** `Stream-Seq`, if sent. */
  seq: string | undefined;
  /** Producer headers, if sent. */
  producer: ProducerClaim | undefined;
}

/** The outcome of an append (refusals the client can act on are outcomes, not errors). */
export type AppendOutcome =
  | { kind: 'appended'; next: number; closed: boolean; producer: ProducerClaim | undefined }
  | { kind: 'duplicate'; next: number; closed: boolean; epoch: number; lastSeq: number }
  | { kind: 'closed'; next: number }
  | { kind: 'stale-epoch'; currentEpoch: number }
  | { kind: 'epoch-needs-seq-zero' }
  | { kind: 'producer-gap'; expectedSeq: number; receivedSeq: number }
  | { kind: 'seq-conflict'; lastSeq: string };

/** Encoded records ready for the channel. */
export interface EncodedRecords {
  text: string;
  records: number;
}

/** Whether a {@link Stream} is created now or reopened from disk (whose writer state is replayed). */
export type StreamOrigin = 'created' | 'reopened';

/** Settings shared by every stream. */
export interface StreamContext {
  /** Encodes envelopes with the instance name as origin. */
  encoder: EnvelopeEncoder;
  /** Writes a batch to a channel (through the Messenger, so federation sees it). */
  append(channel: string, data: Buffer, records: number): Promise<AppendResult>;
  /** Bytes per append batch at most. */
  maxBatchBytes: number;
  /** Whether appends are made durable by an fsync before they resolve (sync policy `always`). */
  fsyncEachWrite: boolean;
  /** Where reads report the bytes they skip. */
  logger: Logger;
  /** The time that stamps the envelopes written. */
  clock: Clock;
  /** The data dir's scheduling policy (append batching; when an append that woke readers answers). */
  scheduler: FlushScheduler;
}

/** A stream at run time. */
export class Stream implements ReadSource {
  /** The stored configuration (replaced on soft delete). */
  meta: StreamMeta;
  readonly spans: readonly OpenSpan[];
  readonly mode: StreamMode;
  /** Milliseconds since the epoch of the last read or write (for the sliding TTL). */
  lastAccess: number;
  /** Channels of the forks made from this stream. */
  readonly children = new Set<string>();
  readonly #source: EnvelopeSource;
  readonly #logger: Logger;
  readonly #scheduler: FlushScheduler;
  readonly #batcher: AppendBatcher;
  readonly #gone = sharedAbortController();
  #state: WriterState | undefined;
  #loading: Promise<WriterState> | undefined;
  #closedAt: number | undefined;
  #closePending: Promise<number> | undefined;

  /**
   * @param meta - the stored configuration
   * @param spans - the opened spans (own span last)
   * @param context - shared settings
   * @param now - current time, the first access
   * @param origin - `created` for a stream created now (its state needs no replay), `reopened` for one
   *   found on disk
   */
  constructor(
    meta: StreamMeta,
    spans: OpenSpan[],
    context: StreamContext,
    now: number,
    origin: StreamOrigin,
  ) {
    this.meta = meta;
    this.spans = spans;
    this.mode = streamModeOf(meta.contentType);
    this.lastAccess = now;
    this.#source = { channel: meta.channel, encoder: context.encoder, clock: context.clock };
    this.#logger = context.logger;
    this.#scheduler = context.scheduler;
    this.#batcher = new AppendBatcher(
      (data, records) => context.append(meta.channel, data, records),
      context.maxBatchBytes,
      context.scheduler.forBatcher(!context.fsyncEachWrite),
    );
    if (origin === 'created') this.#state = new WriterState();
  }

  /** The stream path. */
  get path(): string {
    return this.meta.path;
  }

  /** Aborted when the stream is deleted (live readers stop). */
  get goneSignal(): AbortSignal {
    return this.#gone.signal;
  }

  /** Whether the stream was deleted (fully or softly) in this process. */
  get isGone(): boolean {
    return this.#gone.signal.aborted || this.meta.softDeleted === true;
  }

  /** Own-channel offset just past the closure record, once known. */
  get closedAt(): number | undefined {
    return this.#closedAt;
  }

  /** Stream offset of the first message. */
  get start(): number {
    return streamStart(this);
  }

  /** Stream offset of the tail. */
  get tail(): number {
    return streamTail(this);
  }

  /** The own span. */
  get own(): OpenSpan {
    return ownSpan(this);
  }

  /** Whether the stream is closed (as readers see it). */
  get closed(): boolean {
    return this.#closedAt !== undefined;
  }

  /**
   * Records that the closure record ends at own-channel offset `closedAt` (found by a reader, by the
   * replay, or written here); writers are refused from then on.
   */
  noteClosed(closedAt: number): void {
    if (this.#closedAt !== undefined) return;
    this.#closedAt = closedAt;
    this.#closePending ??= Promise.resolve(closedAt);
    if (this.#state !== undefined) this.#state.closing = true;
  }

  /**
   * Counts skipped bytes as a corrupt record of their channel (its `corruptRecords` and
   * `skippedBytes` in the stats),
   * as a durable subscriber does, and logs where they are.
   */
  noteSkipped(span: OpenSpan, skipped: SkippedBytes): void {
    span.log.noteSkipped(skipped.to - skipped.from, 1);
    this.#logger.warn(
      {
        stream: this.path,
        channel: span.log.channel,
        from: skipped.from,
        to: skipped.to,
        reason: skipped.reason,
      },
      'stream read skipped bytes that hold no record',
    );
  }

  /** Stream offset of the first record at or after `timeMs`, or the tail (see {@link streamOffsetAtTime}). */
  offsetAtTime(timeMs: number): Promise<number> {
    return streamOffsetAtTime(this, timeMs);
  }

  /** Stream offset of own-channel offset `chan`. */
  streamOffsetOf(chan: number): number {
    const own = this.own;
    return own.at + (chan - own.from);
  }

  /** Loads the writer state (and closure) from the channel on first use. */
  async ready(): Promise<WriterState> {
    if (this.#state !== undefined) return this.#state;
    this.#loading ??= (async () => {
      const own = this.own;
      const { state, closedAt } = await replayWriterState(own.log, own.from);
      if (closedAt !== undefined) {
        this.noteClosed(closedAt);
        this.#closePending = Promise.resolve(closedAt);
      }
      this.#state = state;
      this.#loading = undefined;
      return state;
    })();
    return this.#loading;
  }

  /** Whether a closing append was accepted (readers may not see it yet). */
  async isClosedForWriters(): Promise<boolean> {
    return (await this.ready()).closing;
  }

  /** A cursor reading this stream on from stream offset `from` (a message boundary). */
  cursorAt(from: number): StreamCursor {
    return new StreamCursor(this, from);
  }

  /** Reads messages from `from`; see {@link readStream}. */
  read(from: number, maxBytes: number, options: ReadOptions = {}): Promise<StreamChunk> {
    return readStream(this, from, maxBytes, options);
  }

  /** Whether `offset` is a message boundary of this stream. */
  isBoundary(offset: number): Promise<boolean> {
    return isBoundary(this, offset);
  }

  /** Encodes a body as this stream's records; `[]` is refused unless `allowEmptyArray`. */
  encodeBody(body: Buffer, allowEmptyArray: boolean): EncodedRecords {
    if (this.mode === 'json') {
      const parsed = splitJsonBody(body);
      if (!parsed.ok) throw fail.badRequest(parsed.reason);
      if (parsed.messages.length === 0 && !allowEmptyArray) {
        throw fail.badRequest('empty JSON array: an append needs at least one message');
      }
      return {
        text: encodeLines(this.#source, PAYLOAD_TYPES.json, parsed.messages),
        records: parsed.messages.length,
      };
    }
    const { payloadType, payload } = bodyPayload(body, this.mode === 'text');
    return { text: encodeLines(this.#source, payloadType, [payload]), records: 1 };
  }

  /** Encodes raw message bytes (a fork's materialised prefix) as one record. */
  encodeMessage(bytes: Buffer): EncodedRecords {
    const { payloadType, payload } = bodyPayload(bytes, this.mode === 'text');
    return { text: encodeLines(this.#source, payloadType, [payload]), records: 1 };
  }

  /**
   * Writes records prepared at creation (initial body, materialised prefix, closure) before the
   * stream is visible. Returns the stream offset after them.
   */
  async writeInitial(parts: EncodedRecords[], close: boolean): Promise<number> {
    const state = await this.ready();
    let text = '';
    let records = 0;
    for (const part of parts) {
      text += part.text;
      records += part.records;
    }
    if (close) {
      text += encodeControl(this.#source, { closed: true });
      records++;
      state.closing = true;
    }
    if (records === 0) return this.tail;
    const end = await this.#batcher.enqueue(Buffer.from(text), records);
    if (close) {
      this.noteClosed(end);
      this.#closePending = Promise.resolve(end);
    }
    return this.streamOffsetOf(end);
  }

  /**
   * Appends (and/or closes) as one POST asks. An append that wakes live readers (long-poll, SSE)
   * resolves in the next turn of the event loop, after they were answered from memory, so the tail's
   * latency excludes answering the writer.
   */
  async append(request: AppendRequest): Promise<AppendOutcome> {
    const wakesReaders = this.own.log.hasWaiters;
    const state = this.#state ?? (await this.ready());
    if (this.isGone) throw this.meta.softDeleted === true ? fail.gone() : fail.notFound();
    if (state.closing) return this.#refuseClosed(state, request);
    const closeOnly = request.body.length === 0;
    if (closeOnly && !request.close) {
      throw fail.badRequest('empty body: an append needs data, or Stream-Closed: true to close');
    }
    let encoded: EncodedRecords = { text: '', records: 0 };
    if (!closeOnly) {
      if (request.contentType === undefined) throw fail.badRequest('Content-Type is required on an append');
      if (!sameMediaType(request.contentType, this.meta.contentType)) {
        throw fail.conflict(
          `content type ${request.contentType} does not match the stream's ${this.meta.contentType}`,
        );
      }
      encoded = this.encodeBody(request.body, false);
    }
    const { producer, seq } = request;
    if (producer !== undefined) {
      const verdict = judgeProducer(state.producers.get(producer.id), producer);
      switch (verdict.kind) {
        case 'accept':
          break;
        case 'duplicate':
          return {
            kind: 'duplicate',
            next: this.tail,
            closed: false,
            epoch: producer.epoch,
            lastSeq: verdict.lastSeq,
          };
        case 'stale-epoch':
          return { kind: 'stale-epoch', currentEpoch: verdict.currentEpoch };
        case 'epoch-needs-seq-zero':
          return { kind: 'epoch-needs-seq-zero' };
        case 'gap':
          return { kind: 'producer-gap', expectedSeq: verdict.expectedSeq, receivedSeq: verdict.receivedSeq };
      }
    }
    if (seq !== undefined && state.streamSeq !== undefined && seq <= state.streamSeq) {
      return { kind: 'seq-conflict', lastSeq: state.streamSeq };
    }
    const controlPayload: ControlPayload = {
      ...(request.close ? { closed: true as const } : {}),
      ...(producer === undefined ? {} : { producer }),
      ...(seq === undefined ? {} : { seq }),
    };
    const control = encodeControl(this.#source, controlPayload);
    state.apply(controlPayload);
    const records = encoded.records + (control === '' ? 0 : 1);
    const written = this.#batcher.enqueue(Buffer.from(encoded.text + control), records);
    if (request.close) this.#closePending = written;
    let end: number;
    try {
      end = await written;
    } catch (err) {
      this.#state = undefined;
      throw err;
    }
    if (request.close) this.noteClosed(end);
    if (wakesReaders) await this.#scheduler.afterWokenReaders();
    return { kind: 'appended', next: this.streamOffsetOf(end), closed: request.close, producer };
  }

  async #refuseClosed(state: WriterState, request: AppendRequest): Promise<AppendOutcome> {
    const closedAt = (await this.#closePending) ?? this.own.log.end;
    this.noteClosed(closedAt);
    const next = this.streamOffsetOf(closedAt);
    const { producer } = request;
    const by = state.closedBy;
    if (
      producer !== undefined &&
      by?.id === producer.id &&
      by.epoch === producer.epoch &&
      by.seq === producer.seq
    ) {
      return { kind: 'duplicate', next, closed: true, epoch: producer.epoch, lastSeq: producer.seq };
    }
    if (request.body.length === 0 && request.close && producer === undefined) {
      return { kind: 'appended', next, closed: true, producer: undefined };
    }
    return { kind: 'closed', next };
  }

  /** Marks the stream deleted: new appends are refused and live readers stop. */
  markGone(): void {
    this.#gone.abort(fail.notFound());
  }

  /** Resolves when every accepted append has been written. */
  settle(): Promise<void> {
    return this.#batcher.idle();
  }
}
