/**
 * The client side: dials one hub, keeps dialling with backoff and jitter, and while connected runs
 * a session that sends the `publish` channels from `fedout-<hub>` cursors (which survive reconnects
 * and restarts, so nothing published while disconnected is lost) and stores what the hub sends for
 * the `subscribe` channels.
 */
import { AuditEvent } from '../audit/index.js';
import { Cursor } from '../delivery/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { cursorIds, inboxChannelOf } from '../naming/index.js';
import type { MutualTlsOptions } from '../tlsutil/index.js';
import { watchConnectionErrors } from './connection-errors.js';
import type { FederationContext } from './federation-context.js';
import { PROTOCOL_VERSION, ROLE_CLIENT, SUBSCRIBE_PATTERNS_FIELD } from './protocol/index.js';
import { dialHub, type HubConnection } from './dial-hub.js';
import { ChannelFilter, withInboxOf } from './policy.js';
import {
  Reconnector,
  type ConnectionState,
  type ConnectionStatus,
  type LastError,
  type LiveConnection,
  type ReconnectPolicy,
} from './reconnector.js';
import { senderReadBytes } from './sender.js';
import { Session } from './session.js';
import { firstStart } from './first-start.js';

/** One hub to connect to. */
export interface HubRef {
  addr: string;
  /** Channels (names or patterns) requested from the hub and accepted from it. */
  subscribe: readonly string[];
  /** Channels (names or patterns) sent to the hub (empty: none). */
  publish: readonly string[];
}

/** Settings of a {@link HubClient}. */
export interface HubClientOptions {
  ctx: FederationContext;
  hub: HubRef;
  tls: MutualTlsOptions | undefined;
  reconnect: ReconnectPolicy;
}

/**
 * Connection state of a hub client as `stats()` and `/readyz` report it: the {@link ConnectionStatus}
 * in the names kept from before the one status model (see {@link hubClientState}). `refused`: the hub
 * refused the last dial for good (allowlist, certificates, limits); the client keeps retrying with
 * backoff, since only an operator can fix it.
 */
export type HubClientState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

/**
 * The reported name of a durable link's status: a standing refusal is `refused`; waiting between
 * dials (`reconnecting`) is `disconnected`; before the first dial (`idle`) is `connecting`.
 */
export function hubClientState(status: ConnectionStatus): HubClientState {
  if (status.refusal !== undefined) return 'refused';
  return REPORTED_STATE[status.state];
}

/** The reported name of each state (a durable link never stops at `rejected`: it keeps dialling). */
const REPORTED_STATE: Record<ConnectionState, Exclude<HubClientState, 'refused'>> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'disconnected',
  disconnected: 'disconnected',
  rejected: 'disconnected',
  closed: 'closed',
};

/** A durable link to one hub. Start with {@link HubClient.start}. */
export class HubClient {
  readonly #opts: HubClientOptions;
  /** The TLS material of the next dial: `opts.tls` until {@link HubClient.setTls} replaces it. */
  #tls: MutualTlsOptions | undefined;
  readonly #logger: Logger;
  readonly #cursors = new Map<string, Cursor>();
  readonly #closing = new AbortController();
  /** The `publish` list; a local channel created later that a pattern matches is sent too. */
  readonly #publish: ChannelFilter;
  /** The channels sent to the hub, their cursors open or being opened. */
  readonly #sending = new Set<string>();
  /** Cursors being opened for channels created later, one after the other. */
  #starts: Promise<void> = Promise.resolve();
  #stopWatching: () => void = () => undefined;
  readonly #reconnector: Reconnector;
  #session: Session | undefined;
  #hubName: string | undefined;

  private constructor(opts: HubClientOptions) {
    this.#opts = opts;
    this.#tls = opts.tls;
    this.#logger = opts.ctx.logger.child({ component: 'hub-client', hub: opts.hub.addr });
    this.#publish = new ChannelFilter(opts.hub.publish);
    this.#reconnector = new Reconnector({
      dial: (signal) => this.#dial(signal),
      connected: (connection) => this.#startSession(connection),
      policy: opts.reconnect,
      autoReconnect: true,
      refusals: 'retry',
      lostCode: ErrorCode.LINK_LOST,
      holdsProcess: false,
      clock: opts.ctx.clock,
      logger: this.#logger,
    });
  }

  /** Opens the `fedout-` cursors and starts dialling in the background (a hub that is down never blocks). */
  static async start(opts: HubClientOptions): Promise<HubClient> {
    const client = new HubClient(opts);
    const { storage } = opts.ctx;
    const publish = client.#publish;
    if (publish.patterns.length > 0) {
      // Listening first: a channel created while the existing ones are listed is not missed.
      client.#stopWatching = storage.onLogOpened((log) => {
        if (!publish.has(log.channel) || client.#sending.has(log.channel)) return;
        client.#sending.add(log.channel);
        client.#starts = client.#starts.then(() => client.#sendCreated(log.channel));
      });
    }
    const existing = publish.patterns.length > 0 ? await storage.existingChannels() : [];
    const channels = [...new Set([...publish.names, ...existing])].filter(
      (c) => publish.has(c) && !client.#sending.has(c),
    );
    for (const channel of channels) client.#sending.add(channel);
    for (const channel of channels) {
      client.#cursors.set(channel, await client.#openCursor(channel, 'end'));
    }
    if (opts.tls === undefined)
      client.#logger.warn({}, 'federation client WITHOUT TLS: the hub is not authenticated');
    // The dials go on until close(); the only other end, a failure no dial can fix, is logged there.
    client.#reconnector.connect().catch(() => undefined);
    return client;
  }

  /** The hub's address as configured. */
  get addr(): string {
    return this.#opts.hub.addr;
  }

  /** Current connection state, as reported. */
  get state(): HubClientState {
    return hubClientState(this.#reconnector.status);
  }

  /** Current connection status. */
  get status(): ConnectionStatus {
    return this.#reconnector.status;
  }

  /** The hub's identity once connected (certificate CN, or its handshake name without TLS). */
  get hubName(): string | undefined {
    return this.#hubName;
  }

  /** Why the hub refuses this instance, while the state is `refused`. */
  get refusal(): string | undefined {
    return this.#reconnector.status.refusal;
  }

  /** The latest failed dial, lost connection or refusal of this link, kept after it recovers. */
  get lastError(): LastError | undefined {
    return this.#reconnector.lastError;
  }

  /** Successful connections so far (the first one included). */
  get connects(): number {
    return this.#reconnector.connects;
  }

  /**
   * Dials with `tls` from now on (a rotated certificate, key or CA); the open session keeps its
   * connection. Ignored by a client without TLS (turning TLS on needs a restart).
   */
  setTls(tls: MutualTlsOptions): void {
    if (this.#tls !== undefined) this.#tls = tls;
  }

  /** Whether this client sends `channel` to its hub (a `fedout-` cursor reads it). */
  sends(channel: string): boolean {
    return this.#sending.has(channel);
  }

  /** The live session, when connected. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** Resolves once the reported state is `state` (at once when it is). */
  async whenState(state: HubClientState): Promise<void> {
    await this.#reconnector.whenStatus((status) => hubClientState(status) === state);
  }

  /** Stops dialling, closes the session, and flushes the cursors. Idempotent. */
  async close(): Promise<void> {
    const first = !this.#closing.signal.aborted;
    this.#closing.abort();
    this.#stopWatching();
    await this.#reconnector.close(
      new MessengerError(ErrorCode.MESSENGER_CLOSED, 'the messenger is closing its link to the hub'),
    );
    await this.#starts;
    if (first) await Promise.all([...this.#cursors.values()].map((c) => c.close()));
  }

  /**
   * Warns when this client subscribes by pattern and the hub is a Go hub (it announces no
   * `max_batch_bytes`), which ignores patterns: only the named channels come from it.
   */
  #warnIfPatternsIgnored(peerMaxBatchBytes: number | undefined): void {
    const patterns = new ChannelFilter(this.#opts.hub.subscribe).patterns;
    if (patterns.length === 0 || peerMaxBatchBytes !== undefined) return;
    this.#logger.warn(
      { subscribe_patterns: patterns },
      'the hub does not take subscription patterns (a Go hub): only the named channels are received from it',
    );
  }

  /** Opens the `fedout-<hub>` cursor of `channel`. */
  async #openCursor(channel: string, from: 'end' | 'beginning'): Promise<Cursor> {
    const { ctx, hub } = this.#opts;
    return Cursor.open(
      {
        log: await ctx.storage.log(channel),
        offsets: ctx.storage.offsets,
        id: cursorIds.federationOut(hub.addr),
        flushIntervalMs: ctx.offsetFlushIntervalMs,
        batchBytes: senderReadBytes(ctx.maxBatchBytes),
        clock: ctx.clock,
        logger: this.#logger,
      },
      await firstStart(ctx, channel, from),
    );
  }

  /**
   * Sends a local channel created after the start that a `publish` pattern matches, from its first
   * record (or its stored offset); to the live session now, to later sessions with the others. Never throws.
   */
  async #sendCreated(channel: string): Promise<void> {
    if (this.#closing.signal.aborted) return;
    try {
      const cursor = await this.#openCursor(channel, 'beginning');
      if (this.#closing.signal.aborted) {
        await cursor.close();
        return;
      }
      this.#cursors.set(channel, cursor);
      this.#session?.addChannel(channel, cursor);
      this.#logger.info({ channel }, 'local channel matches a publish pattern; sending it to the hub');
    } catch (err) {
      this.#logger.error({ err, channel }, 'cannot send a channel matching a publish pattern to the hub');
    }
  }

  /** What runs over a connection: a session sending the `fedout-` cursors and storing what arrives. */
  #startSession(connection: HubConnection): LiveConnection {
    const { ctx, hub } = this.#opts;
    const { ws, queue, hubName: identity, framesInFlight, peerMaxBatchBytes } = connection;
    this.#hubName = identity;
    watchConnectionErrors(ws, {
      audit: ctx.audit,
      logger: this.#logger,
      clock: ctx.clock,
      remote: hub.addr,
      peer: identity,
    });
    const session = new Session({
      ctx,
      ws,
      queue,
      peer: identity,
      framesInFlight,
      peerMaxBatchBytes,
      accepted: withInboxOf(new ChannelFilter(hub.subscribe), ctx.name),
      cursors: this.#cursors,
      auditForwards: true,
      logger: this.#logger.child({ peer: identity }),
    });
    this.#session = session;
    this.#logger.info({ peer: identity, subscribe: hub.subscribe, publish: hub.publish }, 'connected to hub');
    ctx.audit.log({ event: AuditEvent.PEER_CONNECTED, peer: identity, peer_addr: hub.addr });
    this.#warnIfPatternsIgnored(peerMaxBatchBytes);
    const done = session.done.then((end) => {
      this.#session = undefined;
      ctx.audit.log({
        event: AuditEvent.PEER_DISCONNECTED,
        peer: identity,
        peer_addr: hub.addr,
        detail: `code=${end.code}${end.error === undefined ? '' : ` err=${errorMessage(end.error)}`}`,
      });
      return end;
    });
    return { done, close: (code, reason) => session.close(code, reason) };
  }

  /** Opens the WebSocket and exchanges handshakes. */
  #dial(signal: AbortSignal): Promise<HubConnection> {
    const { ctx, hub } = this.#opts;
    const subscribe = new ChannelFilter(hub.subscribe);
    return dialHub({
      addr: hub.addr,
      tls: this.#tls,
      handshake: {
        instance_name: ctx.name,
        role: ROLE_CLIENT,
        version: PROTOCOL_VERSION,
        // The instance's own inbox comes along: request/reply answers reach it from every hub.
        subscribe: [...new Set([...subscribe.names, inboxChannelOf(ctx.name)])],
        // Patterns in a field of their own: a Go hub ignores it and sees exact names only.
        ...(subscribe.patterns.length > 0 ? { [SUBSCRIBE_PATTERNS_FIELD]: subscribe.patterns } : {}),
      },
      handshakeTimeoutMs: ctx.handshakeTimeoutMs,
      maxBatchBytes: ctx.maxBatchBytes,
      announceMaxBatchBytes: true,
      clock: ctx.clock,
      signal,
    });
  }
}
