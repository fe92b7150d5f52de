/**
 * The EphemeralMessenger: publishes to a hub and receives its live messages without any local state
 * (no data dir, no offsets). Construct, subscribe, `connect()`, publish, `close()`.
 */
import { systemClock, type Clock } from '../internal/clock/index.js';
import { LiveQueue, toMessage, type Message } from '../internal/delivery/index.js';
import { newEnvelopeId, nowTimestamp, PublishEncoder, type Envelope } from '../internal/envelope/index.js';
import { ErrorCode, MessengerError } from '../internal/errors/index.js';
import type {
  EphemeralClient,
  EphemeralClientOptions,
  EphemeralState,
  EphemeralStats,
  EphemeralStatus,
} from '../internal/federation/index.js';
import { silentLogger, withUniqueKeys, type Logger } from '../internal/logger/index.js';
import { PublishChannelCheck } from '../internal/naming/index.js';
import { PayloadRegistry, type PayloadDecoder } from '../internal/registry/index.js';
import {
  resolveEphemeralConfig,
  type EphemeralConfig,
  type ResolvedEphemeralConfig,
} from './config/index.js';
import { publishDefaults } from './publish-context.js';

/** Library-only settings of an {@link EphemeralMessenger}. */
export interface EphemeralMessengerOptions {
  /** Structured logger (pino-compatible); default: silent. */
  logger?: Logger;
  /** Time source for backoff and timers; default: the system clock. */
  clock?: Clock;
  /**
   * Random source in [0, 1) for reconnect jitter; default Math.random.
   *
   * @internal For the project's own tests (deterministic jitter); not part of the supported API.
   */
  random?: () => number;
  /** Interval between pings; a hub that misses a pong is dropped. Default 15 000 ms. */
  pingIntervalMs?: number;
  /** Limit for the connection and for the hub's handshake reply. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
}

/** Per-publish options. */
export interface EphemeralPublishOptions {
  /** Correlation id; default: the one set with `withCorrelationId`, if any. */
  correlationId?: string;
  /** Service name; default: the one set with `withServiceName`, if any. */
  serviceName?: string;
  /**
   * Releases the caller. Before the message is sent, it is withdrawn (nothing is stored); once sent,
   * the hub may still store it.
   */
  signal?: AbortSignal;
}

/** What the hub acknowledged. */
export interface EphemeralReceipt {
  /** The envelope id. */
  id: string;
}

/**
 * A live-message handler. A throw or a rejected promise is logged and delivery continues; the hub's
 * frame is acknowledged once every handler of its messages has returned (or its promise settled).
 */
export type EphemeralHandler = (message: Message) => unknown;

/** A registered handler. */
export interface EphemeralSubscription {
  /** The channel. */
  readonly channel: string;
  /** Removes the handler (the hub keeps sending the channel; it is acknowledged and dropped). */
  unsubscribe(): void;
  /**
   * Same as {@link EphemeralSubscription.unsubscribe}, shaped like a durable `Subscription.stop` so
   * code can stop either kind alike (resolves at once: a live subscription has no offset to flush).
   */
  stop(): Promise<void>;
  /** Same as {@link EphemeralSubscription.unsubscribe}, for `using`. */
  [Symbol.dispose](): void;
  /** Same as {@link EphemeralSubscription.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link EphemeralMessenger.messages}. */
export interface LiveMessagesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
  /**
   * Messages buffered for a slow reader before the client stops acknowledging (so the hub stops
   * sending, for every channel of this client); default 1000.
   */
  highWaterMark?: number;
}

/** Options of {@link EphemeralMessenger.status}. */
export interface StatusOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

const DEFAULT_TIMING = { pingIntervalMs: 15_000, handshakeTimeoutMs: 10_000 };
const DEFAULT_HIGH_WATER_MARK = 1000;
/** The status and counters of a client not built yet: idle, nothing queued, sent or received. */
const IDLE_STATUS: EphemeralStatus = { state: 'idle' };
const NOTHING_QUEUED = { queued: 0, waiting: 0, inFlight: 0 };
const NOTHING_SENT = { framesSent: 0, messagesSent: 0, messagesAcked: 0, messagesRefused: 0 };
const NOTHING_RECEIVED = { framesReceived: 0, messagesReceived: 0 };
const IDLE_STATS: EphemeralStats = {
  state: 'idle',
  hub: undefined,
  connects: 0,
  ...NOTHING_QUEUED,
  ...NOTHING_SENT,
  ...NOTHING_RECEIVED,
};

type FederationFace = typeof import('../internal/federation/index.js');
/**
 * Federation, once the first client needed it. Importing the library does not load it: a process
 * that never connects an EphemeralMessenger (or only uses Messenger) does not pay for it.
 */
let loadedFederation: FederationFace | undefined;

async function loadFederation(): Promise<FederationFace> {
  loadedFederation ??= await import('../internal/federation/index.js');
  return loadedFederation;
}

/**
 * A stateless client of a hub.
 *
 * @remarks
 * - `publish` resolves once the hub has stored the message per its sync policy; a refusal by the hub's
 *   policy is ERR_POLICY; a connection lost first is ERR_EPHEMERAL_CONN_LOST (the message may or may not
 *   be stored). Concurrent publishes share frames (one batch in flight).
 * - Live messages arrive only while connected: nothing published meanwhile is replayed and the hub
 *   keeps no cursor for this client. The channels are requested in the handshake: `config.subscribe`
 *   plus every channel passed to `subscribe`/`messages` before `connect()`; after `connect()` only
 *   those channels can get more handlers.
 * - A refusal by the hub (close code 4403, a refused or untrusted certificate) is final: state
 *   `rejected`, no more retries until `connect()` is called again.
 *
 * @example
 * const em = new EphemeralMessenger({ hubAddr: 'hub:7740', tls: { cert, key, ca }, autoReconnect: true });
 * em.subscribe('alerts', (m) => console.log(m.payload));
 * await em.connect();
 * await em.publish('metrics', 'Cpu', { load: 0.4 });
 * await em.close();
 */
export class EphemeralMessenger {
  readonly #config: ResolvedEphemeralConfig;
  readonly #encoder: PublishEncoder;
  /** What stamps publishes' ids and times. */
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #clientOptions: EphemeralClientOptions;
  /** The federation client, built by the first `connect`, `publish` or `close`. */
  #client: EphemeralClient | undefined;
  #clientLoading: Promise<EphemeralClient> | undefined;
  /** Publishes made while the client is being built, counted as queued until it takes them. */
  #awaitingClient = 0;
  readonly #registry = new PayloadRegistry();
  readonly #handlers = new Map<string, Set<EphemeralHandler>>();
  readonly #channels: Set<string>;
  readonly #liveQueues = new Set<LiveQueue<Message>>();
  readonly #statusQueues = new Set<LiveQueue<EphemeralStatus>>();
  readonly #channelCheck = new PublishChannelCheck();
  #connectCalled = false;
  #closed = false;

  /**
   * Checks the configuration (every problem at once, as a ConfigError naming the fields) and, with TLS,
   * reads the certificate's CN. Nothing is dialled until {@link EphemeralMessenger.connect}; the
   * federation modules are loaded by the first `connect`, `publish` or `close` of a process's clients.
   */
  constructor(config: EphemeralConfig, options: EphemeralMessengerOptions = {}) {
    this.#config = resolveEphemeralConfig(config);
    this.#encoder = new PublishEncoder(this.#config.instanceName, publishDefaults);
    this.#clock = options.clock ?? systemClock;
    this.#channels = new Set(this.#config.subscribe);
    this.#logger = withUniqueKeys(options.logger ?? silentLogger).child({ component: 'ephemeral' });
    const { tls } = this.#config;
    this.#clientOptions = {
      hubAddr: this.#config.hubAddr,
      instanceName: this.#config.instanceName,
      subscribe: () => [...this.#channels],
      tlsFiles:
        tls === undefined
          ? undefined
          : {
              certFile: tls.cert,
              keyFile: tls.key,
              caFile: tls.ca,
              minVersion: tls.minVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
            },
      reconnect: {
        autoReconnect: this.#config.autoReconnect,
        baseMs: this.#config.reconnectBaseMs,
        maxMs: this.#config.reconnectMaxMs,
        jitter: this.#config.reconnectJitter,
        ...(options.random === undefined ? {} : { random: options.random }),
      },
      maxBatchBytes: this.#config.maxBatchBytes,
      writeQueueSize: this.#config.writeQueueSize,
      pingIntervalMs: options.pingIntervalMs ?? DEFAULT_TIMING.pingIntervalMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_TIMING.handshakeTimeoutMs,
      clock: this.#clock,
      logger: this.#logger,
      deliver: (envelope) => this.#deliver(envelope),
      onStatus: (status) => {
        this.#onStatus(status);
      },
    };
  }

  /** This client's identity: the certificate CN with TLS, else `instanceName`. */
  get instanceName(): string {
    return this.#config.instanceName;
  }

  /** The hub's address as configured. */
  get hubAddr(): string {
    return this.#config.hubAddr;
  }

  /** The current connection state. */
  get state(): EphemeralState {
    return this.#status().state;
  }

  /** Counters: frames and messages sent, acknowledged, refused and received; queue depths. */
  stats(): EphemeralStats {
    return this.#client?.stats() ?? { ...IDLE_STATS, queued: this.#awaitingClient };
  }

  /**
   * Connects to the hub (a second call joins the attempt under way, or resolves when connected).
   * Without `autoReconnect` one dial is made and a dropped connection stays down until `connect()` is
   * called again; with it, dials are retried with backoff, now and after every drop.
   *
   * Rejects with `signal.reason` when aborted, ERR_EPHEMERAL_REJECTED when the hub refuses this client,
   * ERR_EPHEMERAL_CONN_LOST when the dial fails (without auto-reconnect), ERR_CERTIFICATE for unusable
   * TLS files, ERR_EPHEMERAL_CLOSED after `close()`.
   */
  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#connectCalled = true;
    return this.#useClient((client) => client.connect(options.signal));
  }

  /**
   * Publishes one message and resolves once the hub acknowledged it (stored per the hub's sync
   * policy). Publishes made while a connection is being (re-)established are queued and sent once
   * connected.
   *
   * Rejects with ERR_INVALID_CHANNEL_NAME / ERR_RESERVED_CHANNEL_NAME, ERR_INVALID_ARGUMENT (payload not
   * serialisable), ERR_RECORD_TOO_LARGE (over maxBatchBytes), ERR_POLICY (refused by the hub's policy),
   * ERR_EPHEMERAL_CONN_LOST (not connected, or the connection dropped before the ack: the message may or
   * may not be stored), ERR_EPHEMERAL_CLOSED, or `signal.reason`.
   */
  publish(
    channel: string,
    payloadType: string,
    payload: unknown,
    options: EphemeralPublishOptions = {},
  ): Promise<EphemeralReceipt> {
    const now = this.#clock.now();
    const id = newEnvelopeId(now);
    let record: Buffer;
    try {
      this.#assertOpen();
      this.#channelCheck.check(channel);
      options.signal?.throwIfAborted();
      const { correlationId, serviceName } = options;
      const ts = nowTimestamp(now);
      const line = this.#encoder.line({ channel, id, ts, payloadType, payload, correlationId, serviceName });
      // On the wire a record is the envelope without the line's newline, as Go sends it.
      record = Buffer.from(line.slice(0, -1));
    } catch (err) {
      return Promise.reject(err);
    }
    const { signal } = options;
    const client = this.#builtClient();
    if (client !== undefined) return client.publish(id, channel, record, signal).then(() => ({ id }));
    this.#awaitingClient++;
    const handOver = (loaded: EphemeralClient): Promise<void> => {
      this.#awaitingClient--;
      // Aborted while the client was being built: withdrawn, as from the client's queue.
      if (signal?.aborted) return Promise.reject(signal.reason);
      return loaded.publish(id, channel, record, signal);
    };
    return this.#useClient(handOver, () => this.#awaitingClient--).then(() => ({ id }));
  }

  /**
   * Registers a payload type, optionally with a decoder applied before live messages reach handlers
   * (a payload it rejects is logged and not delivered). Twice is ERR_PAYLOAD_TYPE_ALREADY_REGISTERED.
   */
  registerPayloadType(type: string, decode?: PayloadDecoder): void {
    this.#assertOpen();
    this.#registry.register(type, decode);
  }

  /**
   * Calls `handler` for every live message on `channel`, in order. Before `connect()` the channel is
   * added to the handshake; afterwards it must already be one of the requested channels
   * (ERR_INVALID_ARGUMENT otherwise).
   */
  subscribe(channel: string, handler: EphemeralHandler): EphemeralSubscription {
    const remove = this.#addHandler(channel, handler);
    const stop = (): Promise<void> => {
      remove();
      return Promise.resolve();
    };
    return { channel, unsubscribe: remove, stop, [Symbol.dispose]: remove, [Symbol.asyncDispose]: stop };
  }

  /**
   * The live messages of `channel` as an async iterable (same channel rules as `subscribe`; throws
   * `signal.reason` when `signal` is already aborted). It ends when `signal` aborts, on `break`, or
   * after `close()` once the buffered messages are read.
   *
   * @example
   * for await (const message of em.messages('alerts', { signal })) console.log(message.payload);
   */
  messages(channel: string, options: LiveMessagesOptions = {}): AsyncIterableIterator<Message> {
    options.signal?.throwIfAborted();
    const remove = this.#addHandler(channel, (message) => queue.push(message));
    const queue: LiveQueue<Message> = new LiveQueue<Message>({
      highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      signal: options.signal,
      onEnd: () => {
        remove();
        this.#liveQueues.delete(queue);
      },
    });
    this.#liveQueues.add(queue);
    return queue;
  }

  /**
   * Connection states as an async iterable: the current one first, then every change, ending after
   * `closed` (or when `signal` aborts; throws `signal.reason` when it is already aborted).
   */
  status(options: StatusOptions = {}): AsyncIterableIterator<EphemeralStatus> {
    options.signal?.throwIfAborted();
    const queue: LiveQueue<EphemeralStatus> = new LiveQueue<EphemeralStatus>({
      signal: options.signal,
      onEnd: () => this.#statusQueues.delete(queue),
    });
    const status = this.#status();
    void queue.push(status);
    if (status.state === 'closed') queue.end();
    else this.#statusQueues.add(queue);
    return queue;
  }

  /**
   * Disconnects. Publishes not yet acknowledged fail with ERR_EPHEMERAL_CLOSED; message iterators end
   * once drained. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#useClient((client) => client.close());
    for (const queue of this.#liveQueues) queue.end();
  }

  /** Same as {@link EphemeralMessenger.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #status(): EphemeralStatus {
    return this.#client?.status ?? IDLE_STATUS;
  }

  /** The client if it is built, building it now when federation is already loaded. */
  #builtClient(): EphemeralClient | undefined {
    if (this.#client === undefined && loadedFederation !== undefined)
      this.#client = new loadedFederation.EphemeralClient(this.#clientOptions);
    return this.#client;
  }

  /**
   * Runs `use` on the client, first loading federation and building the client if needed (calls made
   * meanwhile run in their order); `failed` runs instead if federation cannot be loaded.
   */
  #useClient<T>(use: (client: EphemeralClient) => Promise<T>, failed?: () => void): Promise<T> {
    const client = this.#builtClient();
    if (client !== undefined) return use(client);
    this.#clientLoading ??= loadFederation().then(
      (federation) => (this.#client ??= new federation.EphemeralClient(this.#clientOptions)),
    );
    return this.#clientLoading.then(use, (err: unknown) => {
      failed?.();
      throw err;
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new MessengerError(ErrorCode.EPHEMERAL_CLOSED, 'ephemeral client closed');
  }

  #addHandler(channel: string, handler: EphemeralHandler): () => void {
    this.#assertOpen();
    this.#channelCheck.check(channel);
    if (!this.#channels.has(channel)) {
      if (this.#connectCalled) {
        throw new MessengerError(
          ErrorCode.INVALID_ARGUMENT,
          `subscribe ${JSON.stringify(channel)}: channels are requested in the handshake and fixed once connect() was called; list it in subscribe or subscribe before connect()`,
        );
      }
      this.#channels.add(channel);
    }
    let handlers = this.#handlers.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    const entry: EphemeralHandler = (message) => handler(message);
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
    };
  }

  #deliver(envelope: Envelope): Promise<void> | undefined {
    const handlers = this.#handlers.get(envelope.channel);
    if (handlers === undefined || handlers.size === 0) return undefined;
    let payload: unknown;
    try {
      payload = this.#registry.decode(envelope.payload_type, envelope.payload);
    } catch (err) {
      this.#logger.warn(
        { err, channel: envelope.channel, message_id: envelope.id },
        'live message rejected by its payload decoder; not delivered',
      );
      return undefined;
    }
    // Live messages have no offset here: the hub does not send it.
    const message = toMessage(envelope, -1, payload);
    let pending: Promise<void>[] | undefined;
    for (const handler of [...handlers]) {
      try {
        const result = handler(message);
        if (result instanceof Promise) {
          (pending ??= []).push(
            result.then(
              () => undefined,
              (err: unknown) => {
                this.#handlerFailed(err, message);
              },
            ),
          );
        }
      } catch (err) {
        this.#handlerFailed(err, message);
      }
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  #handlerFailed(err: unknown, message: Message): void {
    this.#logger.error(
      { err, channel: message.channel, message_id: message.id },
      'live message handler failed; delivery continues',
    );
  }

  #onStatus(status: EphemeralStatus): void {
    for (const queue of this.#statusQueues) {
      void queue.push(status);
      if (status.state === 'closed') queue.end();
    }
  }
}
