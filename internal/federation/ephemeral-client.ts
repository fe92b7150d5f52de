/**
 * The stateless (ephemeral) client of a hub: publishes are sent in batches with one in flight and
 * settled by the hub's ack (refused ids become policy errors); live messages of the channels requested
 * in the handshake are handed over and acknowledged after delivery; the connection is re-established
 * with backoff and jitter unless the hub refused this client for good.
 */
import type { Clock } from '../clock/index.js';
import { parseEnvelope, type Envelope } from '../envelope/index.js';
import { ErrorCode, MessengerError, errorMessage, hasErrorCode } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { loadMutualTlsOptions, type MutualTlsFiles, type MutualTlsOptions } from '../tlsutil/index.js';
import { dialHub, type HubConnection } from './dial-hub.js';
import { Link } from './link.js';
import { PendingPublish, PublishQueue } from './publish-queue.js';
import {
  Reconnector,
  type ConnectionStatus,
  type LiveConnection,
  type ReconnectPolicy,
} from './reconnector.js';
import {
  PROTOCOL_VERSION,
  ROLE_CLIENT,
  decodeFrame,
  type AckMessage,
  type HandshakeMessage,
} from './protocol/index.js';

/** Counters of an ephemeral client. */
export interface EphemeralStats {
  readonly state: ConnectionStatus['state'];
  /** The hub's identity while connected. */
  readonly hub: string | undefined;
  /** Successful connections so far. */
  readonly connects: number;
  /** Publishes queued for sending. */
  readonly queued: number;
  /** Publishes waiting for room in the queue (beyond writeQueueSize). */
  readonly waiting: number;
  /** Publishes sent and waiting for the hub's ack. */
  readonly inFlight: number;
  /** Data frames sent (one per batch). */
  readonly framesSent: number;
  /** Publishes sent. */
  readonly messagesSent: number;
  /** Publishes the hub acknowledged as stored. */
  readonly messagesAcked: number;
  /** Publishes the hub refused by policy. */
  readonly messagesRefused: number;
  /** Data frames received. */
  readonly framesReceived: number;
  /** Live messages received. */
  readonly messagesReceived: number;
}

/** Settings of an {@link EphemeralClient}. */
export interface EphemeralClientOptions {
  /** The hub's `host:port`. */
  hubAddr: string;
  /** This client's name in the handshake (the certificate CN with TLS). */
  instanceName: string;
  /** Channels requested in the handshake; read at every dial. */
  subscribe: () => readonly string[];
  /** Certificate files; undefined dials plain ws://. Read at every `connect()` call. */
  tlsFiles: MutualTlsFiles | undefined;
  /** Reconnect timing; `autoReconnect` false makes a dropped connection final until `connect()`. */
  reconnect: ReconnectPolicy & { autoReconnect: boolean };
  /** Largest frame sent (length prefixes included) and largest record published. */
  maxBatchBytes: number;
  /** Publishes queued for sending beyond which new ones wait for room. */
  writeQueueSize: number;
  /** Interval between pings; a hub that misses a pong is dropped. */
  pingIntervalMs: number;
  /** Limit for the connection and for the hub's handshake reply. */
  handshakeTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Receives each live message in order; the frame is acknowledged once every returned promise settled. */
  deliver: (envelope: Envelope) => Promise<void> | undefined;
  /** Called on every state change. */
  onStatus: (status: ConnectionStatus) => void;
}

/**
 * The burst-split policy: publishes queued at once on an idle link from which they are sent as two
 * frames, half each (see the pump).
 */
const SPLIT_BURSTS_FROM = 16;

/** A connection to one hub without local state: a {@link Reconnector} and a publish pump. */
export class EphemeralClient {
  readonly #opts: EphemeralClientOptions;
  readonly #logger: Logger;
  readonly #queue: PublishQueue;
  readonly #reconnector: Reconnector;
  #closed: Promise<void> | undefined;
  #tls: MutualTlsOptions | undefined;
  #link: Link | undefined;
  /** Batches sent and not yet acknowledged. */
  readonly #inFlight = new Set<readonly PendingPublish[]>();
  readonly #counters = {
    framesSent: 0,
    messagesSent: 0,
    messagesAcked: 0,
    messagesRefused: 0,
    framesReceived: 0,
    messagesReceived: 0,
  };

  constructor(opts: EphemeralClientOptions) {
    this.#opts = opts;
    this.#logger = opts.logger.child({ component: 'ephemeral-client', hub: opts.hubAddr });
    this.#queue = new PublishQueue(opts.writeQueueSize);
    this.#reconnector = new Reconnector({
      dial: (signal) => this.#dial(signal),
      connected: (connection) => this.#attach(connection),
      // A reconnect after a drop reuses what the last connect() call read.
      prepare: async () => {
        const files = opts.tlsFiles;
        this.#tls = files === undefined ? undefined : await loadMutualTlsOptions(files);
      },
      policy: opts.reconnect,
      autoReconnect: opts.reconnect.autoReconnect,
      refusals: 'stop',
      lostCode: ErrorCode.EPHEMERAL_CONN_LOST,
      holdsProcess: true,
      onDown: () => {
        const lost = this.#notConnected();
        for (const pending of this.#queue.drain()) pending.reject(lost);
      },
      clock: opts.clock,
      logger: this.#logger,
    });
    this.#reconnector.onStatus(opts.onStatus);
  }

  /** The current state. */
  get status(): ConnectionStatus {
    return this.#reconnector.status;
  }

  /** A snapshot of the counters. */
  stats(): EphemeralStats {
    return {
      state: this.status.state,
      hub: this.#link?.peer,
      connects: this.#reconnector.connects,
      queued: this.#queue.queued,
      waiting: this.#queue.waiting,
      inFlight: [...this.#inFlight].reduce((n, batch) => n + batch.length, 0),
      ...this.#counters,
    };
  }

  /**
   * Connects, or joins the connection attempt under way. Without auto-reconnect one dial is made; with
   * it, dials are retried with backoff until one succeeds. Rejects with `signal.reason` when `signal`
   * aborts, ERR_EPHEMERAL_REJECTED when the hub refuses this client, ERR_EPHEMERAL_CONN_LOST when the
   * dial fails (without auto-reconnect), ERR_EPHEMERAL_CLOSED after `close()`.
   */
  connect(signal?: AbortSignal): Promise<void> {
    return this.#reconnector.connect(signal);
  }

  /**
   * Sends one envelope record and resolves once the hub acknowledged it. Rejects with ERR_POLICY when
   * the hub refused it, ERR_EPHEMERAL_CONN_LOST when not connected or the connection drops before the
   * ack (it may or may not be stored then), ERR_RECORD_TOO_LARGE when it cannot fit in a frame,
   * `signal.reason` when `signal` aborts first (if it was already sent, it may still be stored), and
   * ERR_EPHEMERAL_CLOSED after `close()`.
   */
  publish(id: string, channel: string, record: Buffer, signal?: AbortSignal): Promise<void> {
    if (this.#closed !== undefined) return Promise.reject(closedError());
    if (record.length > this.#opts.maxBatchBytes) {
      return Promise.reject(
        new MessengerError(
          ErrorCode.RECORD_TOO_LARGE,
          `publish ${JSON.stringify(channel)}: record of ${record.length} bytes exceeds maxBatchBytes (${this.#opts.maxBatchBytes})`,
        ),
      );
    }
    if (!this.#reconnector.isConnected && !this.#reconnector.isEstablishing)
      return Promise.reject(this.#notConnected());
    return new Promise<void>((resolve, reject) => {
      const pending = new PendingPublish(id, channel, record, resolve, reject);
      if (signal !== undefined) {
        pending.watch(signal, () => {
          this.#queue.remove(pending);
          pending.reject(signal.reason);
        });
      }
      this.#queue.add(pending);
    });
  }

  /**
   * Disconnects and stops reconnecting. Publishes not yet acknowledged fail with ERR_EPHEMERAL_CLOSED.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const closed = closedError();
    for (const pending of this.#queue.drain()) pending.reject(closed);
    for (const batch of this.#inFlight) for (const pending of batch) pending.reject(closed);
    await this.#reconnector.close(closed);
  }

  #dial(signal: AbortSignal): Promise<HubConnection> {
    return dialHub({
      addr: this.#opts.hubAddr,
      tls: this.#tls,
      handshake: this.#handshake(),
      handshakeTimeoutMs: this.#opts.handshakeTimeoutMs,
      maxBatchBytes: this.#opts.maxBatchBytes,
      announceMaxBatchBytes: false,
      clock: this.#opts.clock,
      signal,
    });
  }

  #handshake(): HandshakeMessage {
    return {
      instance_name: this.#opts.instanceName,
      role: ROLE_CLIENT,
      version: PROTOCOL_VERSION,
      subscribe: [...this.#opts.subscribe()],
      ephemeral: true,
    };
  }

  /** What runs over a connection: the link and its publish pump. */
  #attach(connection: HubConnection): LiveConnection {
    const link = new Link({
      ws: connection.ws,
      queue: connection.queue,
      peer: connection.hubName,
      framesInFlight: connection.framesInFlight,
      onFrame: (frame) => this.#receive(frame),
      pingIntervalMs: this.#opts.pingIntervalMs,
      clock: this.#opts.clock,
      logger: this.#logger,
    });
    this.#link = link;
    this.#logger.info({ peer: link.peer, subscribe: this.#opts.subscribe() }, 'connected to hub');
    void this.#pump(link);
    const done = link.ended.then((end) => {
      if (this.#link === link) this.#link = undefined;
      return end;
    });
    return {
      done,
      close: (code, reason) => {
        link.close(code, reason);
      },
    };
  }

  /**
   * Sends queued publishes, with up to the hub's window of frames unacknowledged, until the link ends.
   * On an idle link a burst of at least {@link SPLIT_BURSTS_FROM} publishes goes out as two frames, so
   * that the hub stores the first while the second is on its way; later bursts then alternate
   * between the two frames in flight. (More, smaller frames cost more than they overlap: every
   * frame and ack is a socket write that wakes the other side.)
   */
  async #pump(link: Link): Promise<void> {
    const sending = new Set<Promise<void>>();
    while (await this.#queue.whenNotEmpty(link.signal)) {
      const { queued } = this.#queue;
      const limit = burstSplitLimit(queued, sending.size === 0, link.framesInFlight);
      const batch = this.#queue.takeBatch(this.#opts.maxBatchBytes, limit);
      this.#counters.framesSent++;
      this.#counters.messagesSent += batch.length;
      const sent: Promise<void> = this.#send(link, batch).finally(() => sending.delete(sent));
      sending.add(sent);
      if (sending.size >= link.framesInFlight) await Promise.race(sending);
    }
  }

  /** Sends one batch and settles its publishes by the ack, or fails them when the link is lost. */
  async #send(link: Link, batch: readonly PendingPublish[]): Promise<void> {
    this.#inFlight.add(batch);
    try {
      this.#settle(batch, await link.send(batch.map((p) => p.record)));
    } catch (err) {
      const why = hasErrorCode(err, ErrorCode.LINK_LOST) ? '' : `: ${errorMessage(err)}`;
      const lost = new MessengerError(
        ErrorCode.EPHEMERAL_CONN_LOST,
        `connection to hub ${link.peer} lost before the batch was acknowledged${why}`,
        { cause: err },
      );
      for (const pending of batch) pending.reject(lost);
    } finally {
      this.#inFlight.delete(batch);
    }
  }

  /** Settles a batch by its ack, which answers the whole batch; ids in `refused` failed policy. */
  #settle(batch: readonly PendingPublish[], ack: AckMessage): void {
    const refused = refusedIds(ack);
    for (const pending of batch) {
      if (refused.has(pending.id)) {
        this.#counters.messagesRefused++;
        pending.reject(
          new MessengerError(
            ErrorCode.POLICY,
            `hub ${this.#link?.peer ?? this.#opts.hubAddr} refused message ${pending.id} on channel ${JSON.stringify(pending.channel)} by policy`,
          ),
        );
      } else {
        this.#counters.messagesAcked++;
        pending.resolve();
      }
    }
  }

  /** Hands the records of an inbound frame to `deliver`, in order, and builds the ack. */
  async #receive(frame: Buffer): Promise<AckMessage> {
    this.#counters.framesReceived++;
    let lastId = '';
    for (const record of decodeFrame(frame, 0).records) {
      let envelope: Envelope;
      try {
        envelope = parseEnvelope(record.toString('utf8'));
      } catch (err) {
        this.#logger.warn({ err }, 'skipping an invalid record from the hub');
        continue;
      }
      lastId = envelope.id;
      this.#counters.messagesReceived++;
      try {
        await this.#opts.deliver(envelope);
      } catch (err) {
        this.#logger.error({ err, message_id: envelope.id }, 'delivering a live message failed');
      }
    }
    return { last_id: lastId };
  }

  #notConnected(): MessengerError {
    const { state, error } = this.status;
    const why =
      state === 'idle'
        ? 'call connect() first'
        : error === undefined
          ? state
          : `${state}: ${errorMessage(error)}`;
    return new MessengerError(
      ErrorCode.EPHEMERAL_CONN_LOST,
      `not connected to hub ${this.#opts.hubAddr} (${why})`,
      {
        ...(error === undefined ? {} : { cause: error }),
      },
    );
  }
}

/**
 * The burst-split policy: how many of the `queued` publishes the next frame may take. A burst of at
 * least {@link SPLIT_BURSTS_FROM} on an idle link (`idle`: no frame in flight) of a hub that takes
 * more than one frame in flight goes out as two frames, half each; otherwise one frame takes all
 * that fits.
 */
function burstSplitLimit(queued: number, idle: boolean, framesInFlight: number): number {
  return idle && framesInFlight > 1 && queued >= SPLIT_BURSTS_FROM ? Math.ceil(queued / 2) : Infinity;
}

function closedError(): MessengerError {
  return new MessengerError(ErrorCode.EPHEMERAL_CLOSED, 'ephemeral client closed');
}

/** The `refused` ids of an ack (a field of this port; Go hubs never send it). */
function refusedIds(ack: AckMessage): ReadonlySet<string> {
  const refused = ack['refused'];
  if (!Array.isArray(refused)) return new Set();
  return new Set(refused.filter((id): id is string => typeof id === 'string'));
}
