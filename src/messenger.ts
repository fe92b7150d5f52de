/**
 * The Messenger: durable channels on local disk with publish, subscribe, dead-letter and
 * compaction. Open one per data dir with {@link Messenger.open}.
 */
import { systemClock, type Clock } from '../internal/clock/index.js';
import {
  Cursor,
  SubscriberLoop,
  type MessageHandler,
  type StartPosition,
} from '../internal/delivery/index.js';
import {
  DEAD_LETTER_PAYLOAD_TYPE,
  encodeEnvelope,
  newEnvelopeId,
  nowTimestamp,
  type DeadLetterPayload,
  type Envelope,
  LineBatch,
  PublishEncoder,
} from '../internal/envelope/index.js';
import { ErrorCode, MessengerError, errorMessage, typeName } from '../internal/errors/index.js';
import { silentLogger, withUniqueKeys, type Logger } from '../internal/logger/index.js';
import { FsyncTimings } from '../internal/metrics/index.js';
import {
  FEDERATION_CURSOR_PREFIXES,
  cursorIds,
  deadLetterChannelOf,
  isDeadLetterChannel,
  sanitizeFileComponent,
  validateChannelName,
  PublishChannelCheck,
} from '../internal/naming/index.js';
import { PayloadRegistry, type PayloadDecoder } from '../internal/registry/index.js';
import {
  Storage,
  nodeSegmentFs,
  compactAll,
  type AppendLines,
  type AppendResult,
  type ChannelSnapshot,
  type RetentionRules,
  type SegmentFs,
} from '../internal/storage/index.js';
import { resolveConfig, type MessengerConfig, type MessengerConfigInput } from './config/index.js';
import {
  federationEnabled,
  federationStats,
  registerInternals,
  RetentionAudit,
  retentionRulesOf,
  startFederation,
  type Federation,
  type FederationTuning,
} from './wiring/index.js';
import { publishDefaults } from './publish-context.js';
import type { ChannelStats, MessengerStats } from './stats.js';
import type { Subscription } from './subscription.js';

/** Largest record (envelope line) accepted by publish. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Library-only settings (not part of the YAML configuration). */
export interface MessengerOptions {
  /** Structured logger (pino-compatible); default: silent. */
  logger?: Logger;
  /** Time source for timers, backoff and the `ts` of envelopes published here; default: the system clock. */
  clock?: Clock;
  /** Interval of the compaction pass; default 30 000 ms. */
  compactionIntervalMs?: number;
  /** Safety poll for appends made by another process; default 5 000 ms. */
  foreignPollIntervalMs?: number;
  /** Newest bytes per channel kept in memory for caught-up subscribers; default 1 MiB. */
  tailCacheBytes?: number;
  /** First delay before retrying a failed disk write (doubling up to `writeRetryMaxMs`); default 10 ms. */
  writeRetryBaseMs?: number;
  /** Longest delay between disk write retries; default 1 000 ms. */
  writeRetryMaxMs?: number;
  /**
   * Fault-injection seam for segment files; default: the real file system.
   *
   * @internal For the project's own tests (ENOSPC, EIO, torn writes); not part of the supported API.
   */
  segmentFs?: SegmentFs;
  /** Federation timing (ping, handshake timeout, cursor flush, TTL sweep interval, jitter source). */
  federation?: FederationTuning;
}

/** Per-publish options. */
export interface PublishOptions {
  /** Correlation id; default: the one set with `withCorrelationId`, if any. */
  correlationId?: string;
  /** Service name; default: the one set with `withServiceName`, if any. */
  serviceName?: string;
  /** Releases the caller while the message is still waiting to be written (nothing is stored then). */
  signal?: AbortSignal;
}

/** One message of a {@link Messenger.publishBatch}. */
export interface BatchMessage {
  payloadType: string;
  payload: unknown;
  correlationId?: string;
  serviceName?: string;
}

/** Where a published message was stored. */
export interface PublishReceipt {
  /** The envelope id. */
  id: string;
  /** Global byte offset of the record in the channel. */
  offset: number;
}

/** Per-subscription options. */
export interface SubscribeOptions {
  /**
   * Where a subscriber without an offset file starts: `'end'` (default: only new messages),
   * `'beginning'`, a byte offset, or `{ time }` (a Date or ms since the epoch: the first record whose
   * `ts` is at or after it). An existing offset file always resumes.
   */
  from?: StartPosition;
  /** Stops the subscription when aborted (the offset file is kept). */
  signal?: AbortSignal;
  /** Retries after the first failed attempt; default `subscribers.max_retries`. */
  maxRetries?: number;
  /** First retry delay; default `subscribers.retry_backoff_base_ms`. */
  retryBackoffBaseMs?: number;
  /** Longest retry delay; default `subscribers.retry_backoff_max_ms`. */
  retryBackoffMaxMs?: number;
  /**
   * How often the offset file is rewritten (ms); default `storage.offset_flush_interval_ms`. A crash
   * redelivers what was handled since the last write.
   */
  offsetFlushIntervalMs?: number;
}

const DEFAULTS = {
  compactionIntervalMs: 30_000,
  foreignPollIntervalMs: 5_000,
  tailCacheBytes: 1 << 20,
  writeRetryBaseMs: 10,
  writeRetryMaxMs: 1_000,
  readBatchBytes: 1 << 20,
};

/** The figures of a subscriber known only by its offset file: no counters in this process. */
const IDLE_SUBSCRIBER = {
  delivered: 0,
  failedAttempts: 0,
  deadLettered: 0,
  deadLetterFailures: 0,
  retentionSkippedBytes: 0,
  stalled: false,
  running: false,
} as const;

interface ActiveSubscription {
  id: string;
  loop: SubscriberLoop | undefined;
  handle: Subscription | undefined;
}

/** A file-based pub-sub instance over one data dir. */
export class Messenger {
  readonly #config: MessengerConfig;
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #registry = new PayloadRegistry();
  readonly #encoder: PublishEncoder;
  readonly #channelCheck = new PublishChannelCheck();
  readonly #subscriptions = new Map<string, Map<string, ActiveSubscription>>();
  readonly #compactionTimer: { clear(): void };
  readonly #retention: RetentionRules;
  #compacting: Promise<unknown> | undefined;
  #federation: Federation | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    config: MessengerConfig,
    storage: Storage,
    opts: MessengerOptions,
    fsyncTimings: FsyncTimings,
  ) {
    this.#config = config;
    this.#storage = storage;
    this.#logger = opts.logger ?? silentLogger;
    this.#clock = opts.clock ?? systemClock;
    this.#encoder = new PublishEncoder(config.name, publishDefaults);
    this.#retention = retentionRulesOf(config);
    registerInternals(this, {
      storage,
      name: config.name,
      clock: this.#clock,
      logger: this.#logger,
      log: async (channel) => this.#storage.logIfOpen(channel) ?? this.#storage.log(channel),
      append: this.#append,
      federation: () => this.#federation,
      fsyncTimings,
    });
    this.#compactionTimer = this.#clock.setInterval(() => {
      void this.compact().catch((err: unknown) => {
        this.#logger.error({ err }, 'compaction failed');
      });
    }, opts.compactionIntervalMs ?? DEFAULTS.compactionIntervalMs);
  }

  /**
   * Opens a Messenger: applies defaults, validates the configuration (every problem at once, as a
   * ConfigError), creates the data dir layout and takes its lock (ERR_DATA_DIR_LOCKED when another
   * process or Messenger owns it).
   *
   * @example
   * const messenger = await Messenger.open({ storage: { dataDir: './data', syncPolicy: 'always' } });
   */
  static async open(config: MessengerConfigInput, options: MessengerOptions = {}): Promise<Messenger> {
    const resolved = resolveConfig(config, { requireDataDir: true, env: {} });
    const clock = options.clock ?? systemClock;
    const logger = withUniqueKeys(options.logger ?? silentLogger);
    const retentionAudit = new RetentionAudit();
    const fsyncTimings = new FsyncTimings();
    const storage = await Storage.open({
      dataDir: resolved.storage.dataDir,
      syncPolicy: resolved.storage.syncPolicy,
      syncIntervalMs: resolved.storage.syncIntervalMs,
      maxSegmentBytes: resolved.storage.compactionThresholdMb * 2 ** 20,
      deadLetterSegmentBytes: resolved.storage.deadLetterCompactionThresholdMb * 2 ** 20,
      onRetentionLoss: (loss) => {
        retentionAudit.record(loss);
      },
      maxRecordBytes: MAX_RECORD_BYTES,
      tailCacheBytes: options.tailCacheBytes ?? DEFAULTS.tailCacheBytes,
      pollIntervalMs: options.foreignPollIntervalMs ?? DEFAULTS.foreignPollIntervalMs,
      retryBaseMs: options.writeRetryBaseMs ?? DEFAULTS.writeRetryBaseMs,
      retryMaxMs: options.writeRetryMaxMs ?? DEFAULTS.writeRetryMaxMs,
      clock,
      logger: logger.child({ component: 'storage' }),
      segmentFs: fsyncTimings.wrap(options.segmentFs ?? nodeSegmentFs),
    });
    const messenger = new Messenger(resolved, storage, { ...options, logger }, fsyncTimings);
    if (federationEnabled(resolved)) {
      try {
        messenger.#federation = await startFederation({
          config: resolved,
          storage,
          clock,
          logger,
          append: messenger.#append,
          tuning: options.federation ?? {},
        });
        retentionAudit.auditLog = messenger.#federation.audit;
      } catch (err) {
        await messenger.close();
        throw err;
      }
    }
    return messenger;
  }

  /** The bound `host:port` of the federation hub, or undefined when the hub is not enabled. */
  get hubAddress(): string | undefined {
    return this.#federation?.hub?.address;
  }

  /** The instance identity (`name`, or the certificate CN with TLS). */
  get name(): string {
    return this.#config.name;
  }

  /** The resolved configuration. */
  get config(): Readonly<MessengerConfig> {
    return this.#config;
  }

  /**
   * Registers a payload type, optionally with a decoder/validator applied before delivery; a
   * payload it rejects goes to the dead-letter channel. Registering a type twice is
   * ERR_PAYLOAD_TYPE_ALREADY_REGISTERED.
   */
  registerPayloadType(type: string, decode?: PayloadDecoder): void {
    this.#assertOpen();
    this.#registry.register(type, decode);
  }

  /**
   * Publishes one message. Resolves when the record is written as the sync policy promises:
   * `always` after fsync, `periodic` and `none` once the operating system has it.
   */
  publish(
    channel: string,
    payloadType: string,
    payload: unknown,
    options: PublishOptions = {},
  ): Promise<PublishReceipt> {
    let line: Buffer;
    const now = this.#clock.now();
    const id = newEnvelopeId(now);
    try {
      this.#channelCheck.check(channel);
      this.#assertOpen();
      options.signal?.throwIfAborted();
      const { correlationId, serviceName } = options;
      const ts = nowTimestamp(now);
      line = Buffer.from(
        this.#encoder.line({ channel, id, ts, payloadType, payload, correlationId, serviceName }),
      );
      this.#checkSize(channel, line.length);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#appendTo(channel, line, 1, options.signal).then((result) => ({ id, offset: result.start }));
  }

  /** Publishes many messages on one channel in a single write (and a single fsync with `always`). */
  async publishBatch(
    channel: string,
    messages: readonly BatchMessage[],
    options: { signal?: AbortSignal } = {},
  ): Promise<PublishReceipt[]> {
    this.#channelCheck.check(channel);
    this.#assertOpen();
    options.signal?.throwIfAborted();
    if (messages.length === 0) return [];
    const ids: string[] = [];
    const lines: string[] = [];
    const batch = new LineBatch();
    const now = this.#clock.now();
    const ts = nowTimestamp(now);
    for (const m of messages) {
      const id = newEnvelopeId(now);
      const { payloadType, payload, correlationId, serviceName } = m;
      const line = this.#encoder.line({ channel, id, ts, payloadType, payload, correlationId, serviceName });
      ids.push(id);
      lines.push(line);
      batch.add(line);
    }
    const { data, ascii } = batch.encode();
    const sizes = lines.map((line) => (ascii ? line.length : Buffer.byteLength(line)));
    for (const size of sizes) this.#checkSize(channel, size);
    const { start } = await this.#appendTo(channel, data, ids.length, options.signal);
    let offset = start;
    return ids.map((id, i) => {
      const receipt = { id, offset };
      offset += sizes[i] ?? 0;
      return receipt;
    });
  }

  /**
   * Subscribes `subscriberId` to `channel`. Delivery is at least once, in order; a failing handler
   * is retried with backoff, then the message goes to `{channel}.dead-letter`. The position is kept
   * in `subscribers/<channel>/<id>.offset`: a new subscriber starts at `options.from` (default the
   * end), an existing one resumes.
   */
  async subscribe(
    channel: string,
    subscriberId: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    validateChannelName(channel);
    this.#assertOpen();
    const fileId = this.#checkSubscriberId(subscriberId);
    options.signal?.throwIfAborted();
    const forChannel = this.#subscriptions.get(channel) ?? new Map<string, ActiveSubscription>();
    this.#subscriptions.set(channel, forChannel);
    const existing = forChannel.get(fileId);
    if (existing !== undefined) {
      throw new MessengerError(
        ErrorCode.SUBSCRIBER_EXISTS,
        `subscribe ${JSON.stringify(channel)}/${JSON.stringify(subscriberId)}: already subscribed${existing.id === subscriberId ? '' : ` (as ${JSON.stringify(existing.id)}, which maps to the same offset file)`}`,
      );
    }
    const slot: ActiveSubscription = { id: subscriberId, loop: undefined, handle: undefined };
    forChannel.set(fileId, slot);
    try {
      const log = this.#storage.logIfOpen(channel) ?? (await this.#storage.log(channel));
      const cursor = await Cursor.open(
        {
          log,
          offsets: this.#storage.offsets,
          id: fileId,
          flushIntervalMs: options.offsetFlushIntervalMs ?? this.#config.storage.offsetFlushIntervalMs,
          batchBytes: DEFAULTS.readBatchBytes,
          clock: this.#clock,
          logger: this.#logger,
        },
        options.from ?? 'end',
      );
      const maxRetries = options.maxRetries ?? this.#config.subscribers.maxRetries;
      const loop = new SubscriberLoop({
        id: subscriberId,
        cursor,
        handler,
        registry: this.#registry,
        maxRetries,
        backoffBaseMs: options.retryBackoffBaseMs ?? this.#config.subscribers.retryBackoffBaseMs,
        backoffMaxMs: options.retryBackoffMaxMs ?? this.#config.subscribers.retryBackoffMaxMs,
        deadLetter: isDeadLetterChannel(channel)
          ? undefined
          : (env, err) => this.#deadLetter(channel, env, err, maxRetries),
        clock: this.#clock,
        logger: this.#logger.child({ component: 'subscriber' }),
      });
      slot.loop = loop;
      const stop = async (): Promise<void> => {
        await loop.stop();
        if (forChannel.get(fileId) === slot) forChannel.delete(fileId);
      };
      slot.handle = { channel, id: subscriberId, closed: loop.closed, stop, [Symbol.asyncDispose]: stop };
      options.signal?.addEventListener('abort', () => void stop(), { once: true });
      void loop.closed.then(() => {
        if (forChannel.get(fileId) === slot) forChannel.delete(fileId);
      });
      return slot.handle;
    } catch (err) {
      forChannel.delete(fileId);
      throw err;
    }
  }

  /** Stops a subscription and deletes its offset file (its position is forgotten). */
  async unsubscribe(channel: string, subscriberId: string): Promise<void> {
    validateChannelName(channel);
    this.#assertOpen();
    const fileId = sanitizeFileComponent(subscriberId);
    const slot = this.#subscriptions.get(channel)?.get(fileId);
    if (slot?.handle === undefined) {
      throw new MessengerError(
        ErrorCode.SUBSCRIBER_NOT_FOUND,
        `unsubscribe ${JSON.stringify(channel)}/${JSON.stringify(subscriberId)}: subscriber not found`,
      );
    }
    await slot.handle.stop();
    await this.#storage.offsets.remove(channel, fileId);
  }

  /**
   * A snapshot of every channel of the data dir and of its subscribers (offset files), whoever uses
   * them: this Messenger's subscriptions, federation cursors, HTTP readers, or nobody since a restart.
   * Sizes and positions are read from disk for channels not open in this process (see
   * {@link ChannelStats.open} and {@link SubscriberStats.running}), synchronously: its cost grows with
   * the channels and offset files of the data dir.
   */
  stats(): MessengerStats {
    const channels: Record<string, ChannelStats> = {};
    for (const snapshot of this.#storage.snapshot()) {
      channels[snapshot.channel] = this.#channelStats(snapshot);
    }
    const fed = this.#federation;
    if (fed === undefined) return { name: this.name, channels };
    return { name: this.name, channels, federation: federationStats(fed) };
  }

  /**
   * Runs a compaction pass now (it also runs on a timer): deletes sealed segments every offset file
   * of their channel has passed, and those retention evicts (`storage.retention`, `max_files`,
   * `channels`). Returns the segments and bytes freed.
   */
  async compact(): Promise<{ segments: number; bytes: number }> {
    this.#assertOpen();
    while (this.#compacting !== undefined) await this.#compacting;
    const pass = compactAll(
      this.#storage,
      {
        maxLagBytes: this.#config.storage.maxSubscriberLagMb * 2 ** 20,
        retention: this.#retention,
        now: this.#clock.now(),
        warnsLag: (id) => !cursorIds.isFederation(id),
      },
      this.#logger.child({ component: 'compactor' }),
    );
    this.#compacting = pass;
    try {
      return await pass;
    } finally {
      this.#compacting = undefined;
    }
  }

  /**
   * Stops every subscription (in-flight handlers finish, offsets are flushed), flushes and fsyncs
   * every channel, and releases the data dir. Idempotent; every call after it fails with
   * ERR_MESSENGER_CLOSED.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Same as {@link Messenger.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    this.#compactionTimer.clear();
    await this.#federation?.close();
    const stops: Promise<void>[] = [];
    for (const forChannel of this.#subscriptions.values()) {
      for (const slot of forChannel.values()) if (slot.handle !== undefined) stops.push(slot.handle.stop());
    }
    await Promise.allSettled(stops);
    await this.#compacting?.catch(() => undefined);
    await this.#storage.close();
    await this.#federation?.closeAudit();
  }

  /** The append path package code uses (federation, streams, the internal face): publish's, once open. */
  readonly #append: AppendLines = (channel, lines, records, signal) => {
    if (this.#closed)
      return Promise.reject(new MessengerError(ErrorCode.MESSENGER_CLOSED, 'messenger is closed'));
    return this.#appendTo(channel, lines, records, signal);
  };

  /**
   * Appends to `channel`'s log in call order, also while the log is being opened: appends made then
   * chain on the storage's one opening promise, whose first reaction makes the log reachable through
   * `logIfOpen`, so no later append can overtake them.
   */
  #appendTo(channel: string, lines: Buffer, records: number, signal?: AbortSignal): Promise<AppendResult> {
    const log = this.#storage.logIfOpen(channel);
    if (log !== undefined) return log.append(lines, records, signal);
    return this.#storage.log(channel).then((opened) => opened.append(lines, records, signal));
  }

  #channelStats({
    channel,
    log,
    start,
    end,
    segments,
    offsets,
    offsetErrors,
  }: ChannelSnapshot): ChannelStats {
    const subscribers: ChannelStats['subscribers'] = {};
    const running = new Set<string>();
    for (const [fileId, slot] of this.#subscriptions.get(channel) ?? []) {
      if (slot.loop === undefined) continue;
      running.add(fileId);
      const { cursor, counters } = slot.loop;
      subscribers[slot.id] = {
        offset: cursor.position,
        persistedOffset: cursor.persisted,
        lagBytes: Math.max(0, end - cursor.position),
        delivered: counters.delivered,
        failedAttempts: counters.failedAttempts,
        deadLettered: counters.deadLettered,
        deadLetterFailures: counters.deadLetterFailures,
        retentionSkippedBytes: cursor.retentionSkippedBytes,
        stalled: slot.loop.stalled,
        running: true,
      };
    }
    for (const { id, offset } of offsets) {
      if (running.has(id)) continue;
      subscribers[id] = {
        ...IDLE_SUBSCRIBER,
        offset,
        persistedOffset: offset,
        lagBytes: Math.max(0, end - offset),
      };
    }
    return {
      startOffset: start,
      endOffset: end,
      bytes: end - start,
      segments,
      messages: log?.appendedRecords ?? 0,
      corruptRecords: log?.corruptRecords ?? 0,
      skippedBytes: log?.skippedBytes ?? 0,
      evictedBytes: log?.evictedBytes ?? 0,
      retentionSkippedBytes: log?.retentionSkippedBytes ?? 0,
      subscribers,
      open: log !== undefined,
      unreadableOffsetFiles: offsetErrors.map(({ file, err }) => `${file}: ${errorMessage(err)}`),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new MessengerError(ErrorCode.MESSENGER_CLOSED, 'messenger is closed');
  }

  #checkSubscriberId(id: string): string {
    if (typeof id !== 'string') {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `subscriber id must be a string, not ${typeName(id)}`,
      );
    }
    if (id === '') throw new MessengerError(ErrorCode.INVALID_ARGUMENT, 'subscriber id must not be empty');
    if (cursorIds.isFederation(id)) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `subscriber id ${JSON.stringify(id)}: the prefixes ${FEDERATION_CURSOR_PREFIXES.join(' and ')} are reserved for federation cursors`,
      );
    }
    return sanitizeFileComponent(id);
  }

  #checkSize(channel: string, bytes: number): void {
    if (bytes > MAX_RECORD_BYTES) {
      throw new MessengerError(
        ErrorCode.RECORD_TOO_LARGE,
        `publish ${JSON.stringify(channel)}: record of ${bytes} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit`,
      );
    }
  }

  async #deadLetter(channel: string, original: Envelope, error: unknown, retries: number): Promise<void> {
    const dlChannel = deadLetterChannelOf(channel);
    const now = this.#clock.now();
    const payload: DeadLetterPayload = {
      original,
      retries,
      last_error: errorMessage(error),
      failed_at: nowTimestamp(now),
    };
    const line = encodeEnvelope(
      {
        id: newEnvelopeId(now),
        ts: nowTimestamp(now),
        channel: dlChannel,
        origin: original.origin,
        payloadType: DEAD_LETTER_PAYLOAD_TYPE,
      },
      JSON.stringify(payload),
    );
    const log = this.#storage.logIfOpen(dlChannel) ?? (await this.#storage.log(dlChannel));
    await log.append(Buffer.from(`${line}\n`), 1);
  }
}
