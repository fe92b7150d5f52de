/**
 * The streams service: every stream of a data dir, their lifecycle (create, fork, delete, soft
 * delete, expiry) and lookups. Appends and reads go to the {@link Stream} objects it hands out.
 */
import type { Clock } from '../clock/index.js';
import { EnvelopeEncoder } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import type { AppendLines, ChannelLog, Storage } from '../storage/index.js';
import { DEFAULT_CONTENT_TYPE, isWellFormedContentType, sameMediaType } from './content-type.js';
import { fail } from './errors.js';
import { countForeignRecords } from './foreign-records.js';
import { forkSpans, resolveForkPoint } from './forks.js';
import { Stream, type EncodedRecords, type StreamContext } from './stream.js';
import { StreamMetaStore, streamMetaDir, type StreamMeta, type StreamSpan } from './stream-meta.js';
import type { OpenSpan } from './stream-reader.js';
import { channelForPath } from './stream-names.js';
import { LineScanner } from './message-records.js';
import { isExpired } from './ttl.js';
import { sharedAbortController } from './shared-signal.js';

/** What the service needs from its Messenger. */
export interface StreamHost {
  readonly storage: Storage;
  /** Instance identity (envelope origin). */
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The log of `channel`, opened on first use. */
  log(channel: string): Promise<ChannelLog>;
  /** Appends encoded envelope lines through the Messenger's publish path. */
  append: AppendLines;
}

/** Settings of a {@link StreamService}. */
export interface StreamServiceOptions {
  host: StreamHost;
  /** Bytes per channel write at most when appends are batched; default 4 MiB. */
  maxBatchBytes?: number;
  /** How often expired streams are swept; default 1 000 ms. */
  sweepIntervalMs?: number;
}

/** A fork request, as parsed from the PUT headers. */
export interface ForkSpec {
  /** Path of the source stream. */
  source: string;
  /** `Stream-Fork-Offset`, if given. */
  offset: string | undefined;
  /** `Stream-Fork-Sub-Offset` (0 when absent). */
  subOffset: number;
}

/** One PUT. */
export interface CreateRequest {
  path: string;
  contentType: string | undefined;
  ttlSeconds: number | undefined;
  expiresAt: string | undefined;
  close: boolean;
  body: Buffer;
  fork: ForkSpec | undefined;
}

/** The outcome of a PUT. */
export interface CreateOutcome {
  /** False when the stream already existed with the same configuration. */
  created: boolean;
  stream: Stream;
}

/** Events the service reports (for subscriptions). */
export interface StreamEvents {
  /** The stream at `path` grew (HTTP appends, Messenger publishes, federation). */
  appended?(path: string): void;
  /** The stream at `path` was deleted or expired. */
  deleted?(path: string): void;
}

/** The streams of one data dir. */
export class StreamService {
  readonly #host: StreamHost;
  readonly #store: StreamMetaStore;
  readonly #context: StreamContext;
  /** Streams by channel. */
  readonly #streams = new Map<string, Stream>();
  /** The same streams by path (the lookup of every request). */
  readonly #byPath = new Map<string, Stream>();
  readonly #logger: Logger;
  readonly #listeners: StreamEvents[] = [];
  /** Cancels the growth watch of each stream watched for the listeners. */
  readonly #watches = new Map<Stream, () => void>();
  #lifecycle: Promise<unknown> = Promise.resolve();
  #sweep: { clear(): void } | undefined;
  readonly #closing = sharedAbortController();
  #closed = false;

  private constructor(opts: StreamServiceOptions) {
    this.#host = opts.host;
    this.#logger = opts.host.logger.child({ component: 'streams' });
    this.#store = new StreamMetaStore(streamMetaDir(opts.host.storage.options.dataDir));
    this.#context = {
      encoder: new EnvelopeEncoder(opts.host.name),
      append: opts.host.append,
      maxBatchBytes: opts.maxBatchBytes ?? 4 << 20,
      fsyncEachWrite: opts.host.storage.options.syncPolicy === 'always',
      logger: this.#logger,
      clock: opts.host.clock,
      scheduler: opts.host.storage.scheduler,
    };
  }

  /** Loads every stored stream and starts the expiry sweep. */
  static async open(opts: StreamServiceOptions): Promise<StreamService> {
    const service = new StreamService(opts);
    await service.#load();
    service.#sweep = opts.host.clock.setInterval(() => {
      void service.#sweepExpired();
    }, opts.sweepIntervalMs ?? 1_000);
    return service;
  }

  /**
   * Registers event listeners and returns the function that removes them. While any are
   * registered, every stream is watched for growth (a waiter on its channel); the first one starts
   * the watches and the removal of the last one ends them, so that without listeners an append
   * wakes nothing it does not need to.
   */
  listen(listener: StreamEvents): () => void {
    this.#listeners.push(listener);
    if (this.#listeners.length === 1)
      for (const stream of this.#streams.values()) this.#watch(stream, undefined);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i < 0) return;
      this.#listeners.splice(i, 1);
      if (this.#listeners.length === 0) for (const stream of [...this.#watches.keys()]) this.#unwatch(stream);
    };
  }

  /** Paths of every live stream (not soft-deleted). */
  paths(): string[] {
    return [...this.#streams.values()].filter((s) => !s.isGone).map((s) => s.path);
  }

  /**
   * The live stream at `path`. Throws bad-request for an invalid name, not-found, or gone (deleted
   * while forks use it). With `refreshTtl`, the call counts as a use for the sliding TTL.
   */
  async get(streamPath: string, options: { refreshTtl?: boolean } = {}): Promise<Stream> {
    const stream = this.#lookup(streamPath);
    const now = this.#host.clock.now();
    if (isExpired(stream.meta, stream.lastAccess, now)) {
      await this.#locked(() => this.#expire(stream));
      throw stream.meta.softDeleted === true ? fail.gone() : fail.notFound();
    }
    if (options.refreshTtl === true) stream.lastAccess = now;
    await stream.ready();
    return stream;
  }

  /** The stream at `path` if it exists, expired or not, soft-deleted or not (no checks). */
  peek(streamPath: string): Stream | undefined {
    const stream = this.#streams.get(channelForPath(streamPath));
    return stream?.path === streamPath ? stream : undefined;
  }

  /** Creates a stream (or confirms an identical one). */
  create(request: CreateRequest): Promise<CreateOutcome> {
    return this.#locked(() => this.#create(request));
  }

  /** Deletes a stream: fully, or softly while forks still read it. */
  delete(streamPath: string): Promise<void> {
    return this.#locked(async () => {
      const stream = this.#lookup(streamPath);
      if (isExpired(stream.meta, stream.lastAccess, this.#host.clock.now())) {
        await this.#expire(stream);
        throw fail.notFound();
      }
      const { log, scanner } = stream.own;
      const foreign = await countForeignRecords(log, scanner, log.start, log.end);
      if (foreign > 0) {
        throw fail.conflict(
          `stream ${JSON.stringify(streamPath)} cannot be deleted: its channel ${stream.meta.channel} holds ` +
            `${foreign} record(s) not written through this stream (published or received over ` +
            'federation), which deleting would lose',
        );
      }
      await this.#delete(stream);
    });
  }

  /** Aborted when the service starts closing: live readers should answer and stop. */
  get closingSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /** Ends live reads, stops the sweep and waits for pending lifecycle work and appends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#sweep?.clear();
    for (const stream of [...this.#watches.keys()]) this.#unwatch(stream);
    await this.#lifecycle.catch(() => undefined);
    await Promise.allSettled([...this.#streams.values()].map((s) => s.settle()));
  }

  #lookup(streamPath: string): Stream {
    const stream = this.#byPath.get(streamPath);
    if (stream === undefined) {
      channelForPath(streamPath);
      throw fail.notFound();
    }
    if (stream.meta.softDeleted === true) throw fail.gone();
    return stream;
  }

  /**
   * Reports every growth of the stream's own channel to the listeners, from channel offset `seen`
   * (default: its current end), until the stream is deleted or its log closes.
   */
  #watch(stream: Stream, seen: number | undefined): void {
    if (this.#listeners.length === 0 || stream.isGone) return;
    const { log } = stream.own;
    let end = seen ?? log.end;
    let cancel = (): void => undefined;
    const stop = (): void => {
      cancel();
    };
    const arm = (): void => {
      cancel = log.onGrowth(end, grew);
    };
    // Called once the log has grown past `end`, or has closed (then the watch ends).
    const grew = (): void => {
      if (log.end <= end || this.#closed) {
        this.#watches.delete(stream);
        return;
      }
      end = log.end;
      for (const l of this.#listeners) l.appended?.(stream.path);
      if (this.#watches.get(stream) === stop) arm();
    };
    this.#watches.set(stream, stop);
    if (log.end > end) grew();
    else arm();
  }

  /** Ends the growth watch of `stream`, if any. */
  #unwatch(stream: Stream): void {
    this.#watches.get(stream)?.();
    this.#watches.delete(stream);
  }

  #register(stream: Stream): void {
    this.#streams.set(stream.meta.channel, stream);
    this.#byPath.set(stream.path, stream);
  }

  #locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(work, work);
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<void> {
    const { metas, errors } = await this.#store.loadAll();
    for (const { file, err } of errors) {
      this.#logger.error({ err, file }, 'stream metadata unreadable; the stream is not served');
    }
    const now = this.#host.clock.now();
    for (const meta of metas) {
      try {
        if (!(await this.#host.storage.isRetained(meta.channel))) {
          await this.#host.storage.setRetained(meta.channel, true);
        }
        this.#register(new Stream(meta, await this.#openSpans(meta.spans), this.#context, now, 'reopened'));
      } catch (err) {
        this.#logger.error({ err, channel: meta.channel }, 'stream could not be opened; it is not served');
      }
    }
    for (const stream of this.#streams.values()) {
      const parent = stream.meta.parent === undefined ? undefined : this.#streams.get(stream.meta.parent);
      parent?.children.add(stream.meta.channel);
    }
    for (const stream of [...this.#streams.values()]) {
      if (stream.meta.softDeleted === true && stream.children.size === 0) await this.#remove(stream);
    }
  }

  async #openSpans(spans: readonly StreamSpan[]): Promise<OpenSpan[]> {
    const open: OpenSpan[] = [];
    for (const span of spans) {
      open.push({
        log: await this.#host.log(span.channel),
        scanner: new LineScanner(span.channel, this.#host.name),
        from: span.from,
        to: span.to,
        at: span.at,
      });
    }
    return open;
  }

  async #create(request: CreateRequest): Promise<CreateOutcome> {
    const channel = channelForPath(request.path);
    if (request.ttlSeconds !== undefined && request.expiresAt !== undefined) {
      throw fail.badRequest('Stream-TTL and Stream-Expires-At cannot both be set');
    }
    if (request.contentType !== undefined && !isWellFormedContentType(request.contentType)) {
      throw fail.badRequest(`malformed Content-Type ${JSON.stringify(request.contentType)}`);
    }
    let existing = this.#streams.get(channel);
    if (existing !== undefined && isExpired(existing.meta, existing.lastAccess, this.#host.clock.now())) {
      await this.#expire(existing);
      existing = this.#streams.get(channel);
    }
    if (existing !== undefined) return { created: false, stream: await this.#confirm(existing, request) };
    const source = request.fork === undefined ? undefined : await this.#forkSource(request.fork.source);
    const contentType = request.contentType ?? source?.meta.contentType ?? DEFAULT_CONTENT_TYPE;
    if (source !== undefined && !sameMediaType(contentType, source.meta.contentType)) {
      throw fail.conflict(
        `content type ${contentType} does not match the source stream's ${source.meta.contentType}`,
      );
    }
    const fork =
      source === undefined || request.fork === undefined
        ? undefined
        : await resolveForkPoint(source, request.fork.offset, request.fork.subOffset);
    const log = await this.#host.log(channel);
    await this.#host.storage.setRetained(channel, true);
    const from = log.end;
    const meta: StreamMeta = {
      v: 1,
      path: request.path,
      channel,
      contentType,
      createdAt: this.#host.clock.now(),
      spans:
        source === undefined || fork === undefined
          ? [{ channel, from, at: from }]
          : forkSpans(source, fork.point, channel, from),
      ...lifetimeOf(request, source),
    };
    if (source !== undefined && request.fork !== undefined) {
      meta.parent = source.meta.channel;
      meta.fork = {
        source: request.fork.source,
        ...(request.fork.offset === undefined ? {} : { offset: request.fork.offset }),
        ...(request.fork.subOffset === 0 ? {} : { subOffset: request.fork.subOffset }),
      };
    }
    const stream = new Stream(
      meta,
      await this.#openSpans(meta.spans),
      this.#context,
      this.#host.clock.now(),
      'created',
    );
    const parts: EncodedRecords[] = [];
    if (fork?.prefix !== undefined) parts.push(stream.encodeMessage(fork.prefix));
    if (request.body.length > 0) parts.push(stream.encodeBody(request.body, true));
    await stream.writeInitial(parts, request.close);
    await this.#store.write(meta);
    this.#register(stream);
    source?.children.add(channel);
    this.#watch(stream, from);
    return { created: true, stream };
  }

  async #forkSource(sourcePath: string): Promise<Stream> {
    let source: Stream | undefined;
    try {
      source = this.#streams.get(channelForPath(sourcePath));
    } catch {
      throw fail.notFound(`source stream ${JSON.stringify(sourcePath)} not found`);
    }
    if (source?.path !== sourcePath)
      throw fail.notFound(`source stream ${JSON.stringify(sourcePath)} not found`);
    if (isExpired(source.meta, source.lastAccess, this.#host.clock.now())) await this.#expire(source);
    if (source.meta.softDeleted === true) {
      throw fail.conflict('the source stream was deleted; its forks keep it, but it cannot be forked again');
    }
    if (this.#streams.get(source.meta.channel) !== source) {
      throw fail.notFound(`source stream ${JSON.stringify(sourcePath)} not found`);
    }
    await source.ready();
    return source;
  }

  /** Checks a repeated PUT against the existing stream: the same configuration, or 409. */
  async #confirm(stream: Stream, request: CreateRequest): Promise<Stream> {
    const { meta } = stream;
    if (meta.path !== request.path) {
      throw fail.conflict(
        `stream name maps to channel ${meta.channel}, which stream ${JSON.stringify(meta.path)} uses`,
      );
    }
    if (meta.softDeleted === true) {
      throw fail.conflict(
        'the stream was deleted but forks still use it; the name cannot be reused until they are gone',
      );
    }
    const problem = configDifference(meta, request, await stream.isClosedForWriters());
    if (problem !== undefined) throw fail.conflict(`stream already exists with a different ${problem}`);
    return stream;
  }

  async #expire(stream: Stream): Promise<void> {
    if (this.#streams.get(stream.meta.channel) !== stream || stream.meta.softDeleted === true) return;
    if (!isExpired(stream.meta, stream.lastAccess, this.#host.clock.now())) return;
    this.#logger.info({ stream: stream.path }, 'stream expired');
    await this.#delete(stream);
  }

  async #delete(stream: Stream): Promise<void> {
    if (stream.children.size === 0) {
      await this.#remove(stream);
      return;
    }
    const meta: StreamMeta = { ...stream.meta, softDeleted: true };
    await this.#store.write(meta);
    stream.meta = meta;
    stream.markGone();
    this.#unwatch(stream);
    for (const l of this.#listeners) l.deleted?.(stream.path);
  }

  /**
   * Removes a stream for good: its metadata goes first (the stream no longer exists), then the
   * retained mark, then the channel's records (its offset space is kept, so a stream created
   * again under the same name starts past the old data and old offsets answer 410).
   */
  async #remove(stream: Stream): Promise<void> {
    const { channel, parent, softDeleted } = stream.meta;
    stream.markGone();
    this.#unwatch(stream);
    await stream.settle();
    await this.#store.remove(channel);
    this.#streams.delete(channel);
    this.#byPath.delete(stream.path);
    await this.#host.storage.setRetained(channel, false);
    try {
      await this.#clearOwnRecords(stream);
    } catch (err) {
      this.#logger.warn({ err, channel }, 'could not delete the records of a deleted stream');
    }
    if (softDeleted !== true) for (const l of this.#listeners) l.deleted?.(stream.path);
    const source = parent === undefined ? undefined : this.#streams.get(parent);
    if (source === undefined) return;
    source.children.delete(channel);
    if (source.meta.softDeleted === true && source.children.size === 0) await this.#remove(source);
  }

  /**
   * Drops the records of a removed stream's channel, unless it holds records the stream did not
   * write (published, federated: they may arrive until the very clear): then all are kept.
   */
  async #clearOwnRecords(stream: Stream): Promise<void> {
    const { log, scanner } = stream.own;
    let checked = log.end;
    let foreign = await countForeignRecords(log, scanner, log.start, checked);
    while (foreign === 0) {
      if ((await log.clear(checked)) !== undefined) return;
      const end = log.end;
      foreign = await countForeignRecords(log, scanner, checked, end);
      checked = end;
    }
    this.#logger.warn(
      { channel: stream.meta.channel, stream: stream.path, foreign_records: foreign },
      'kept the records of a removed stream: its channel holds records not written through it',
    );
  }

  async #sweepExpired(): Promise<void> {
    const now = this.#host.clock.now();
    for (const stream of [...this.#streams.values()]) {
      if (this.#closed) return;
      if (stream.meta.softDeleted === true || !isExpired(stream.meta, stream.lastAccess, now)) continue;
      try {
        await this.#locked(() => this.#expire(stream));
      } catch (err) {
        this.#logger.error({ err, stream: stream.path }, 'expiring a stream failed');
      }
    }
  }
}

function lifetimeOf(
  request: CreateRequest,
  source: Stream | undefined,
): { ttlSeconds?: number; expiresAt?: string } {
  if (request.ttlSeconds !== undefined) return { ttlSeconds: request.ttlSeconds };
  if (request.expiresAt !== undefined) return { expiresAt: request.expiresAt };
  if (source === undefined) return {};
  return {
    ...(source.meta.ttlSeconds === undefined ? {} : { ttlSeconds: source.meta.ttlSeconds }),
    ...(source.meta.expiresAt === undefined ? {} : { expiresAt: source.meta.expiresAt }),
  };
}

/** What differs between a stored stream and a repeated PUT, or undefined when nothing does. */
function configDifference(meta: StreamMeta, request: CreateRequest, closed: boolean): string | undefined {
  const { fork } = request;
  if ((fork === undefined) !== (meta.fork === undefined)) return 'fork source';
  if (fork !== undefined && meta.fork !== undefined) {
    if (fork.source !== meta.fork.source || fork.offset !== meta.fork.offset) return 'fork source';
    if (fork.subOffset !== (meta.fork.subOffset ?? 0)) return 'fork sub-offset';
  }
  const inherits = fork !== undefined;
  const contentType = request.contentType ?? (inherits ? meta.contentType : DEFAULT_CONTENT_TYPE);
  if (!sameMediaType(contentType, meta.contentType)) return 'content type';
  const ownLifetime = request.ttlSeconds !== undefined || request.expiresAt !== undefined;
  if (ownLifetime || !inherits) {
    if (request.ttlSeconds !== meta.ttlSeconds) return 'TTL';
    const wanted = request.expiresAt === undefined ? undefined : Date.parse(request.expiresAt);
    const stored = meta.expiresAt === undefined ? undefined : Date.parse(meta.expiresAt);
    if (wanted !== stored) return 'expiry';
  }
  if (request.close !== closed) return 'closed state';
  return undefined;
}
