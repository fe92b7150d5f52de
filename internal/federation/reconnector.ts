/**
 * The one reconnect loop of a client of a hub, durable or ephemeral: dials with the one
 * {@link Backoff} schedule through the injected clock, tells a refusal from a failure worth retrying
 * (hub-refusal.ts), hands each connection to what the client runs over it, and reports every change
 * as a {@link ConnectionStatus}. A client is "a reconnector + what to do when connected".
 */
import { Backoff, keepProcessAlive, type BackoffPolicy, type Clock } from '../clock/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { HubDialError, type HubConnection } from './dial-hub.js';
import { RefusalTracker } from './hub-refusal.js';
import type { LinkEnd } from './link.js';

/** Reconnect timing: the {@link Backoff} schedule of the dials, with a random spread. */
export type ReconnectPolicy = BackoffPolicy & {
  /** Random spread of each delay as a fraction (0.2 = ±20 %). */
  jitter: number;
};

/** Connection state of a client of a hub. */
export type ConnectionState =
  /** Created; not dialled yet. */
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
export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** The hub's identity (certificate CN), when connected. */
  readonly hub?: string;
  /** Number of the dial attempt (connecting, reconnecting). */
  readonly attempt?: number;
  /** Wait before the next dial (reconnecting). */
  readonly delayMs?: number;
  /** What ended the connection or failed the last dial; the refusal when rejected. */
  readonly error?: Error;
  /**
   * Why the hub refuses this client, while that stands: with `rejected`, and for a client that
   * retries refusals (a durable link), through its later dials until one gets through.
   */
  readonly refusal?: string;
}

/** What a client runs over one connection. */
export interface LiveConnection {
  /** Resolves when the connection has ended and everything over it has stopped. */
  readonly done: Promise<LinkEnd>;
  /** Closes the connection (when the reconnector closes). */
  close(code: number, reason: string): unknown;
}

/** An error a client reported, and when (clock milliseconds). */
export interface LastError {
  readonly message: string;
  readonly at: number;
}

/** Settings of a {@link Reconnector}. */
export interface ReconnectorOptions {
  /** Dials the hub once; a failure is a {@link HubDialError} (anything else ends the attempt). */
  dial: (signal: AbortSignal) => Promise<HubConnection>;
  /** Starts what runs over a new connection. */
  connected: (connection: HubConnection) => LiveConnection;
  /** Runs before the first dial of each `connect()` (not before a reconnect after a drop). */
  prepare?: () => Promise<void>;
  policy: ReconnectPolicy;
  /** Dial again after a drop and after a failed dial; false: one dial per `connect()`, a drop is final. */
  autoReconnect: boolean;
  /**
   * What a refusal does: `stop` ends in `rejected` (an ephemeral client); `retry` keeps dialling with
   * backoff (a durable link, since only the hub's operator can fix it).
   */
  refusals: 'stop' | 'retry';
  /** The code a dropped connection reports: `ERR_EPHEMERAL_CONN_LOST` (ephemeral) or `ERR_LINK_LOST` (durable). */
  lostCode: typeof ErrorCode.EPHEMERAL_CONN_LOST | typeof ErrorCode.LINK_LOST;
  /**
   * Called when the client is down and no longer trying: an attempt failed (`disconnected`,
   * `rejected`) or a connection dropped without auto-reconnect. Not called once closing.
   */
  onDown?: (error: Error) => void;
  /** Keep the process alive while dialling (clock timers never do), as an open connection does. */
  holdsProcess: boolean;
  clock: Clock;
  logger: Logger;
}

/** The dial loop and status of one client of a hub. */
export class Reconnector {
  readonly #opts: ReconnectorOptions;
  readonly #closing = new AbortController();
  readonly #listeners = new Set<(status: ConnectionStatus) => void>();
  #status: ConnectionStatus = { state: 'idle' };
  #live: LiveConnection | undefined;
  #establishing: Promise<void> | undefined;
  #connects = 0;
  #lastError: LastError | undefined;

  constructor(opts: ReconnectorOptions) {
    this.#opts = opts;
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Successful connections so far. */
  get connects(): number {
    return this.#connects;
  }

  /** The latest error a status reported (a failed dial, a lost connection, a refusal), kept after recovery. */
  get lastError(): LastError | undefined {
    return this.#lastError;
  }

  /** Whether a connection is open. */
  get isConnected(): boolean {
    return this.#live !== undefined;
  }

  /** Whether dials are under way (or a delay between them). */
  get isEstablishing(): boolean {
    return this.#establishing !== undefined;
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first status (the current one included) that `accepts`. */
  whenStatus(accepts: (status: ConnectionStatus) => boolean): Promise<ConnectionStatus> {
    if (accepts(this.#status)) return Promise.resolve(this.#status);
    return new Promise((resolve) => {
      const stop = this.onStatus((status) => {
        if (!accepts(status)) return;
        stop();
        resolve(status);
      });
    });
  }

  /**
   * Connects, or joins the attempt under way: one dial without auto-reconnect, else dials with backoff
   * until one gets through. Rejects with `signal.reason` when `signal` aborts, the refusal when the
   * hub refuses this client (`refusals: 'stop'`), the dial's error without auto-reconnect, and the
   * reason given to `close()` once closed.
   */
  connect(signal?: AbortSignal): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(this.#closing.signal.reason as Error);
    if (this.#live !== undefined) return Promise.resolve();
    return this.#startEstablishing(signal, false);
  }

  /** Stops dialling, closes the connection and waits for it to end; then `closed`. Idempotent. */
  async close(reason: Error): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(reason);
    const live = this.#live;
    if (live !== undefined) {
      live.close(1000, 'client shutting down');
      await live.done;
    }
    await this.#establishing?.catch(() => undefined);
    if (this.#status.state !== 'closed') this.#setStatus({ state: 'closed' });
  }

  #startEstablishing(signal: AbortSignal | undefined, afterDrop: boolean): Promise<void> {
    this.#establishing ??= this.#establish(signal, afterDrop).finally(() => {
      this.#establishing = undefined;
    });
    return this.#establishing;
  }

  async #establish(signal: AbortSignal | undefined, afterDrop: boolean): Promise<void> {
    const { policy, clock } = this.#opts;
    const stop =
      signal === undefined ? this.#closing.signal : AbortSignal.any([this.#closing.signal, signal]);
    const backoff = new Backoff(policy);
    const refusals = new RefusalTracker();
    let delayMs = afterDrop ? backoff.next() : undefined;
    let lastError: Error | undefined;
    let refusal: string | undefined;
    const release = this.#opts.holdsProcess ? keepProcessAlive() : undefined;
    try {
      if (!afterDrop) await this.#opts.prepare?.();
      for (let attempt = 1; ; attempt++) {
        if (delayMs !== undefined) {
          this.#setStatus({ state: 'reconnecting', attempt, delayMs, ...extras(lastError, refusal) });
          await clock.sleep(delayMs, stop);
        }
        this.#setStatus({ state: 'connecting', attempt, ...extras(undefined, refusal) });
        let connection: HubConnection;
        try {
          connection = await this.#opts.dial(stop);
        } catch (err) {
          if (stop.aborted) throw err;
          if (!(err instanceof HubDialError)) {
            this.#opts.logger.error({ reason: errorMessage(err) }, 'cannot dial the hub; not retrying');
            throw err;
          }
          const refused = refusals.note(err.verdict);
          if (refused !== undefined && this.#opts.refusals === 'stop') throw err.asRefusal(refused);
          if (!this.#opts.autoReconnect) throw err;
          delayMs = backoff.next();
          this.#dialFailed(refused === undefined ? err : err.asRefusal(refused), attempt, delayMs, refusal);
          lastError = err;
          refusal = refused;
          continue;
        }
        this.#attach(connection);
        return;
      }
    } catch (err) {
      throw this.#establishFailed(err);
    } finally {
      release?.();
    }
  }

  /**
   * Logs a failed dial that will be retried, without a stack: on the first failure, every tenth, and
   * as an error when a refusal starts or changes.
   */
  #dialFailed(err: HubDialError, attempt: number, delayMs: number, standing: string | undefined): void {
    const fields = { code: err.code, reason: errorMessage(err), attempt, retry_in_ms: delayMs };
    const refusal = err.verdict.kind === 'refused' ? err.verdict.reason : undefined;
    const message =
      refusal === undefined
        ? 'cannot connect to hub; retrying'
        : 'the hub refuses this instance; retrying until its operator changes that';
    if (refusal !== undefined && refusal !== standing) this.#opts.logger.error(fields, message);
    else if (attempt === 1 || attempt % 10 === 0) this.#opts.logger.warn(fields, message);
  }

  /** Settles the status after an attempt failed; returns the error to reject `connect()` with. */
  #establishFailed(err: unknown): unknown {
    if (this.#closing.signal.aborted) return this.#closing.signal.reason;
    const error = err instanceof Error ? err : new Error(String(err));
    if (error instanceof HubDialError && error.verdict.kind === 'refused') {
      const fields = { code: error.code, reason: errorMessage(error) };
      this.#opts.logger.error(fields, 'the hub refused this client; not reconnecting');
      this.#setStatus({ state: 'rejected', error, refusal: error.verdict.reason });
    } else {
      this.#setStatus({ state: 'disconnected', error });
    }
    this.#opts.onDown?.(error);
    return err;
  }

  #attach(connection: HubConnection): void {
    if (this.#closing.signal.aborted) {
      connection.ws.terminate();
      throw this.#closing.signal.reason;
    }
    const live = this.#opts.connected(connection);
    this.#live = live;
    this.#connects++;
    this.#setStatus({ state: 'connected', hub: connection.hubName });
    void live.done.then((end) => {
      this.#onEnd(live, connection.hubName, end);
    });
  }

  #onEnd(live: LiveConnection, hub: string, end: LinkEnd): void {
    if (this.#live !== live) return;
    this.#live = undefined;
    if (this.#closing.signal.aborted) return;
    const error =
      end.error ??
      new MessengerError(
        this.#opts.lostCode,
        `the hub closed the connection (${end.code}${end.reason === '' ? '' : ` ${end.reason}`})`,
      );
    this.#opts.logger.warn(
      { peer: hub, code: end.code, reason: end.reason, err: end.error },
      'disconnected from hub',
    );
    this.#setStatus({ state: 'disconnected', error });
    if (this.#opts.autoReconnect) this.#startEstablishing(undefined, true).catch(() => undefined);
    else this.#opts.onDown?.(error);
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    if (status.error !== undefined) {
      this.#lastError = { message: errorMessage(status.error), at: this.#opts.clock.now() };
    }
    for (const listener of [...this.#listeners]) listener(status);
  }
}

/** The optional fields of a status between dials. */
function extras(error: Error | undefined, refusal: string | undefined): Partial<ConnectionStatus> {
  return { ...(error === undefined ? {} : { error }), ...(refusal === undefined ? {} : { refusal }) };
}
