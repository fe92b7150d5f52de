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
import { HubDialError, dialHub, type HubConnection } from './dial-hub.js';
import type { ReconnectPolicy } from './hub-client.js';
import { Link, type LinkEnd } from './link.js';
import { PendingPublish, PublishQueue } from './publish-queue.js';
import {
  PROTOCOL_VERSION,
  ROLE_CLIENT,
  decodeFrame,
  type AckMessage,
  type HandshakeMessage,
} from './protocol/index.js';

/** Connection state of an ephemeral client. */
export type EphemeralState =
  /** Created; `connect()` not called yet. */
  | 'idle'
  /** Dialling the hub (`attempt` counts from 1). */
  | 'connecting'
  /** Connected; `hub` is the hub's identity. */
  | 'connected'
  /** Not connected and not trying (the connection dropped or the dial failed, without auto-reconnect). */
  | 'disconnected'
  /** Waiting `delayMs` before dial `attempt`. */
  | 'reconnecting'
  /** The hub refused this client for good (allowlist, certificates); `error` says why. No retries. */
  | 'rejected'
  /** `close()` was called. */
  | 'closed';

/** One state change. */
export interface EphemeralStatus {
  readonly state: EphemeralState;
  /** The hub's identity (certificate CN), when connected. */
  readonly hub?: string;
  /** Number of the dial attempt (connecting, reconnecting). */
  readonly attempt?: number;
  /** Wait before the next dial (reconnecting). */
  readonly delayMs?: number;
  /** What ended the connection or failed the last dial; the refusal when rejected. */
  readonly error?: Error;
}

/** Counters of an ephemeral client. */
export interface EphemeralStats {
  readonly state: EphemeralState;
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
  /** Consecutive "closed right after the TLS handshake" dials taken as a refused certificate. */
  suspectDialsBeforeRejection: number;
  clock: Clock;
  logger: Logger;
  /** Receives each live message in order; the frame is acknowledged once every returned promise settled. */
  deliver: (envelope: Envelope) => Promise<void> | undefined;
  /** Called on every state change. */
  onStatus: (status: EphemeralStatus) => void;
}

/** Publishes queued at once on an idle link from which they are sent as two frames (see the pump). */
const SPLIT_BURSTS_FROM = 16;

/** A connection to one hub without local state. */
export class EphemeralClient {
  readonly #opts: EphemeralClientOptions;
  readonly #logger: Logger;
  readonly #queue: PublishQueue;
  readonly #closing = new AbortController();
  #status: EphemeralStatus = { state: 'idle' };
  #tls: MutualTlsOptions | undefined;
  #link: Link | undefined;
  /** Batches sent and not yet acknowledged. */
  readonly #inFlight = new Set<readonly PendingPublish[]>();
  #establishing: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  readonly #counters = {
    connects: 0,
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
  }

  /** The current state. */
  get status(): EphemeralStatus {
    return this.#status;
  }

  /** A snapshot of the counters. */
  stats(): EphemeralStats {
    return {
      state: this.#status.state,
      hub: this.#link?.peer,
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
    if (this.#closing.signal.aborted) return Promise.reject(closedError());
    if (this.#link !== undefined) return Promise.resolve();
    return this.#startEstablishing(signal, false);
  }

  /**
   * Sends one envelope record and resolves once the hub acknowledged it. Rejects with ERR_POLICY when
   * the hub refused it, ERR_EPHEMERAL_CONN_LOST when not connected or the connection drops before the
   * ack (it may or may not be stored then), ERR_RECORD_TOO_LARGE when it cannot fit in a frame,
   * `signal.reason` when `signal` aborts first (if it was already sent, it may still be stored), and
   * ERR_EPHEMERAL_CLOSED after `close()`.
   */
  publish(id: string, channel: string, record: Buffer, signal?: AbortSignal): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(closedError());
    if (record.length > this.#opts.maxBatchBytes) {
      return Promise.reject(
        new MessengerError(
          ErrorCode.RECORD_TOO_LARGE,
          `publish ${JSON.stringify(channel)}: record of ${record.length} bytes exceeds maxBatchBytes (${this.#opts.maxBatchBytes})`,
        ),
      );
    }
    if (this.#link === undefined && this.#establishing === undefined)
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
    this.#closing.abort(closedError());
    const closed = closedError();
    for (const pending of this.#queue.drain()) pending.reject(closed);
    for (const batch of this.#inFlight) for (const pending of batch) pending.reject(closed);
    const link = this.#link;
    if (link !== undefined) {
      link.close(1000, 'client closing');
      await link.ended;
    }
    await this.#establishing?.catch(() => undefined);
    this.#setStatus({ state: 'closed' });
  }

  #startEstablishing(signal: AbortSignal | undefined, afterDrop: boolean): Promise<void> {
    this.#establishing ??= this.#establish(signal, afterDrop).finally(() => {
      this.#establishing = undefined;
    });
    return this.#establishing;
  }

  async #establish(signal: AbortSignal | undefined, afterDrop: boolean): Promise<void> {
    const { reconnect, clock } = this.#opts;
    const stop =
      signal === undefined ? this.#closing.signal : AbortSignal.any([this.#closing.signal, signal]);
    let backoff = reconnect.baseMs;
    let suspects = 0;
    let lastError: Error | undefined;
    // Clock timers never hold the process open; a client trying to connect does, as a connected one does.
    const keepAlive = setInterval(() => undefined, 2 ** 30);
    try {
      // A reconnect reuses what the last connect() call read.
      if (!afterDrop) this.#tls = await this.#loadTls();
      for (let attempt = 1; ; attempt++) {
        if (afterDrop || attempt > 1) {
          const delayMs = this.#jittered(backoff);
          this.#setStatus({
            state: 'reconnecting',
            attempt,
            delayMs,
            ...(lastError === undefined ? {} : { error: lastError }),
          });
          await clock.sleep(delayMs, stop);
          backoff = Math.min(reconnect.maxMs, backoff * 2);
        }
        this.#setStatus({ state: 'connecting', attempt });
        let connection: HubConnection;
        try {
          connection = await dialHub({
            addr: this.#opts.hubAddr,
            tls: this.#tls,
            handshake: this.#handshake(),
            handshakeTimeoutMs: this.#opts.handshakeTimeoutMs,
            maxBatchBytes: this.#opts.maxBatchBytes,
            announceMaxBatchBytes: false,
            clock,
            signal: stop,
          });
        } catch (err) {
          if (stop.aborted || !(err instanceof HubDialError)) throw err;
          const { verdict } = err;
          if (verdict.kind === 'refused') throw err;
          suspects = verdict.kind === 'suspect-certificate' ? suspects + 1 : 0;
          if (verdict.kind === 'suspect-certificate' && suspects >= this.#opts.suspectDialsBeforeRejection) {
            throw new MessengerError(
              ErrorCode.EPHEMERAL_REJECTED,
              `hub ${this.#opts.hubAddr}: ${verdict.reason}`,
              {
                cause: err,
              },
            );
          }
          if (!reconnect.autoReconnect) throw err;
          if (attempt === 1 || attempt % 10 === 0) {
            this.#logger.warn({ err, attempt }, 'cannot connect to hub; retrying');
          }
          lastError = err;
          continue;
        }
        this.#attach(connection);
        return;
      }
    } catch (err) {
      throw this.#establishFailed(err);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Settles the state after a connection attempt failed; returns the error to reject `connect()` with. */
  #establishFailed(err: unknown): unknown {
    if (this.#closing.signal.aborted) return closedError();
    const error = err instanceof Error ? err : new Error(String(err));
    if (hasErrorCode(error, ErrorCode.EPHEMERAL_REJECTED)) {
      this.#logger.error({ err: error }, 'the hub refused this client; not reconnecting');
      this.#setStatus({ state: 'rejected', error });
    } else {
      this.#setStatus({ state: 'disconnected', error });
    }
    const lost = this.#notConnected();
    for (const pending of this.#queue.drain()) pending.reject(lost);
    return err;
  }

  async #loadTls(): Promise<MutualTlsOptions | undefined> {
    const files = this.#opts.tlsFiles;
    return files === undefined ? undefined : loadMutualTlsOptions(files);
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

  #jittered(backoff: number): number {
    const { jitter, random } = this.#opts.reconnect;
    const spread = backoff * jitter * ((random ?? Math.random)() * 2 - 1);
    return Math.max(0, Math.round(backoff + spread));
  }

  #attach(connection: HubConnection): void {
    if (this.#closing.signal.aborted) {
      connection.ws.terminate();
      throw closedError();
    }
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
    this.#counters.connects++;
    this.#logger.info({ peer: link.peer, subscribe: this.#opts.subscribe() }, 'connected to hub');
    this.#setStatus({ state: 'connected', hub: link.peer });
    void this.#pump(link);
    void link.ended.then((end) => {
      this.#onLinkEnd(link, end);
    });
  }

  #onLinkEnd(link: Link, end: LinkEnd): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    if (this.#closing.signal.aborted) return;
    const error =
      end.error ??
      new MessengerError(
        ErrorCode.EPHEMERAL_CONN_LOST,
        `the hub closed the connection (${end.code}${end.reason === '' ? '' : ` ${end.reason}`})`,
      );
    this.#logger.warn({ err: error, peer: link.peer, code: end.code }, 'disconnected from hub');
    this.#setStatus({ state: 'disconnected', error });
    if (this.#opts.reconnect.autoReconnect) {
      this.#startEstablishing(undefined, true).catch(() => undefined);
      return;
    }
    const lost = this.#notConnected();
    for (const pending of this.#queue.drain()) pending.reject(lost);
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
      const split = sending.size === 0 && link.framesInFlight > 1 && queued >= SPLIT_BURSTS_FROM;
      const batch = this.#queue.takeBatch(this.#opts.maxBatchBytes, split ? Math.ceil(queued / 2) : Infinity);
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
    const { state, error } = this.#status;
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

  #setStatus(status: EphemeralStatus): void {
    this.#status = status;
    this.#opts.onStatus(status);
  }
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
