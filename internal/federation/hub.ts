/**
 * The hub: a WSS listener that authenticates peers by certificate CN, applies the allowlist, and
 * runs one session per peer, sending each subscribed channel from a `fed-<peer>` cursor.
 */
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { WebSocket, WebSocketServer } from 'ws';
import { AuditEvent } from '../audit/index.js';
import { Cursor, type StartPosition } from '../delivery/index.js';
import { errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import { cursorIds, isChannelPattern, sanitizeFileComponent } from '../naming/index.js';
import { listenerTimeoutOptions, parseListenAddr } from '../net/index.js';
import type { MutualTlsOptions } from '../tlsutil/index.js';
import { peerCommonName } from '../tlsutil/index.js';
import { watchConnectionErrors, type ConnectionErrors } from './connection-errors.js';
import type { FederationContext } from './federation-context.js';
import { guardHttpErrors, guardUpgradeErrors } from './http-errors.js';
import { MessageQueue } from './message-queue.js';
import {
  ChannelFilter,
  anyWhenEmpty,
  effectiveSubscriptions,
  inboundRefusal,
  requestedPatterns,
  withInboxOf,
  type ChannelSet,
} from './policy.js';
import {
  CLOSE_NOT_IN_ALLOWLIST,
  CLOSE_REASON_NOT_IN_ALLOWLIST,
  CLOSE_TOO_MANY_SUBSCRIPTIONS,
  PROTOCOL_VERSION,
  ROLE_HUB,
  SUBSCRIBE_PATTERNS_FIELD,
  encodeHandshake,
  MAX_FRAMES_IN_FLIGHT,
  framesInFlightOf,
  handshakeExtensions,
  maxBatchBytesOf,
} from './protocol/index.js';
import { senderReadBytes } from './sender.js';
import { Session } from './session.js';
import { guardTlsRefusals, refuseTls, remoteOf } from './tls-refusals.js';
import { sweepStaleCursors } from './ttl-sweep.js';
import { WaitingChannels } from './waiting-channels.js';
import { ChannelWaits } from './channel-waits.js';
import { firstStart } from './first-start.js';

/** One allowlist entry. */
export interface AllowedPeer {
  name: string;
  subscribe: readonly string[];
  publish: readonly string[];
}

/** Settings of a {@link Hub}. */
export interface HubOptions {
  ctx: FederationContext;
  listenAddr: string;
  /** Mutual TLS; undefined serves plain ws:// (trusted networks and tests only). */
  tls: MutualTlsOptions | undefined;
  /** Peers allowed to connect; empty allows every authenticated peer. */
  allowedPeers: readonly AllowedPeer[];
  /** Delete `fed-*` cursors idle longer than this; 0 disables the sweep. */
  fedClientOffsetTtlMs: number;
  /** How often the sweep runs; default max(ttl / 2, 1 min), at most 1 h. */
  ttlSweepIntervalMs?: number;
  /** Channels one handshake may subscribe to; more is refused with {@link CLOSE_TOO_MANY_SUBSCRIPTIONS}. */
  maxSubscriptionsPerPeer: number;
}

/** Close code sent to the older of two connections from one identity. */
export const CLOSE_REPLACED = 4000;

/** WebSocket close code 1012 (service restart): reconnect, the hub's settings changed. */
const CLOSE_SERVICE_RESTART = 1012;

/** The entry of `identity` in `peers`: undefined when the list is empty (all allowed), false when absent. */
function allowedEntryIn(peers: readonly AllowedPeer[], identity: string): AllowedPeer | undefined | false {
  if (peers.length === 0) return undefined;
  return peers.find((p) => p.name === identity) ?? false;
}

interface PeerEntry {
  identity: string;
  ephemeral: boolean;
  session: Session;
  cursors: Cursor[];
  /** The channels sent to the peer (or being opened for it). */
  sending: Set<string>;
  /** The peer's subscription patterns, as its allowlist entry ({@link allowed}) narrows them. */
  patterns: ChannelFilter | undefined;
  /** The channels the peer's allowlist entry lets it receive. */
  allowed: ChannelSet;
  /** Cursors being opened for channels that came to exist, one after the other. */
  starts: Promise<void>;
  ended: boolean;
  /** Settles once the session has ended and its cursors are closed. */
  closed: Promise<void>;
  since: number;
}

/** A listening hub. Start with {@link Hub.listen}. */
export class Hub {
  readonly #opts: HubOptions;
  /** The allowlist: `opts.allowedPeers` until {@link Hub.setAllowedPeers} replaces it. */
  #allowedPeers: readonly AllowedPeer[];
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  readonly #logger: Logger;
  readonly #peers = new Map<string, PeerEntry>();
  /** Ephemeral sessions: several may share one identity (a publisher and a tail with one certificate). */
  readonly #ephemeral = new Set<PeerEntry>();
  readonly #pending = new Set<WebSocket>();
  /** Subscribed channels that do not exist yet, sent from their first record once they do. */
  readonly #waits: ChannelWaits<PeerEntry>;
  readonly #waitingLists: WaitingChannels;
  readonly #stopWatchingPatterns: () => void;
  #sweep: { clear(): void } | undefined;
  #closing = false;

  private constructor(opts: HubOptions, Server: typeof WebSocketServer) {
    this.#opts = opts;
    this.#allowedPeers = opts.allowedPeers;
    this.#logger = opts.ctx.logger.child({ component: 'hub' });
    // TLS handshake, upgrade request and federation handshake each within handshakeTimeoutMs.
    const limit = opts.ctx.handshakeTimeoutMs;
    const limits = listenerTimeoutOptions({ tlsHandshakeMs: limit, headersMs: limit, requestMs: limit });
    const sink = { audit: opts.ctx.audit, logger: this.#logger };
    if (opts.tls === undefined) {
      this.#server = http.createServer(limits);
    } else {
      // Verified by guardTlsRefusals instead, so that a refused certificate is audited.
      const server = https.createServer({ ...limits, ...opts.tls, rejectUnauthorized: false });
      guardTlsRefusals(server, sink);
      this.#server = server;
    }
    guardHttpErrors(this.#server, sink);
    this.#wss = new Server({
      noServer: true,
      maxPayload: Math.max(16 * 2 ** 20, 4 * opts.ctx.maxBatchBytes),
      perMessageDeflate: false,
    });
    guardUpgradeErrors(this.#wss, sink);
    this.#server.on('request', (_req, res) => {
      res
        .writeHead(426, { 'content-type': 'text/plain' })
        .end('federation hub: WebSocket upgrade required\n');
    });
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      this.#upgrade(req, socket, head);
    });
    this.#waitingLists = new WaitingChannels(path.join(opts.ctx.storage.options.dataDir, 'subscribers'));
    this.#waits = new ChannelWaits(opts.ctx.storage, (entry, channel) => {
      this.#startSending(entry, channel);
    });
    this.#stopWatchingPatterns = opts.ctx.storage.onLogOpened((log) => {
      for (const entry of [...this.#peers.values(), ...this.#ephemeral]) {
        if (this.#matchesPatterns(entry, log.channel)) this.#startSending(entry, log.channel);
      }
    });
  }

  /** Starts listening on `opts.listenAddr`; rejects when the address cannot be bound. */
  static async listen(opts: HubOptions): Promise<Hub> {
    // Loaded here, not at import: a library that never federates never pays for `ws`.
    const { WebSocketServer } = await import('ws');
    const hub = new Hub(opts, WebSocketServer);
    const { host, port } = parseListenAddr(opts.listenAddr);
    await new Promise<void>((resolve, reject) => {
      hub.#server.once('error', reject);
      hub.#server.listen(port, host, () => {
        hub.#server.off('error', reject);
        resolve();
      });
    });
    // Once listening, an error (say EMFILE on accept) costs that connection, never the process.
    hub.#server.on('error', (err) => {
      hub.#logger.error({ err }, 'federation listener error');
    });
    if (opts.tls === undefined) {
      hub.#logger.warn(
        { listen: hub.address },
        'federation hub WITHOUT TLS: peers are not authenticated; use only on a trusted network',
      );
    }
    hub.#startSweep();
    return hub;
  }

  /** The bound `host:port`. */
  get address(): string {
    const address = this.#server.address() as AddressInfo;
    return address.family === 'IPv6'
      ? `[${address.address}]:${address.port}`
      : `${address.address}:${address.port}`;
  }

  /** The allowlist in force (the configured one, or the last {@link Hub.setAllowedPeers}). */
  get allowedPeers(): readonly AllowedPeer[] {
    return this.#allowedPeers;
  }

  /**
   * Replaces the allowlist and its policies (a configuration reload). New connections are checked
   * against it at once; a connected peer it no longer allows is closed 4403 (logged and audited),
   * one whose policy changed is closed 1012 so that it reconnects under the new policy.
   */
  setAllowedPeers(peers: readonly AllowedPeer[]): void {
    const before = this.#allowedPeers;
    this.#allowedPeers = peers;
    for (const entry of [...this.#peers.values(), ...this.#ephemeral]) {
      const now = this.#allowedEntry(entry.identity);
      if (now === false) {
        this.#logger.warn(
          { peer: entry.identity },
          'federation peer removed from the allowlist; disconnected',
        );
        this.#opts.ctx.audit.log({
          event: AuditEvent.CLIENT_REJECTED,
          peer: entry.identity,
          detail: 'removed from the allowlist by a configuration reload',
        });
        void entry.session.close(CLOSE_NOT_IN_ALLOWLIST, CLOSE_REASON_NOT_IN_ALLOWLIST);
      } else if (JSON.stringify(allowedEntryIn(before, entry.identity)) !== JSON.stringify(now)) {
        this.#logger.info({ peer: entry.identity }, 'federation peer policy changed; reconnecting it');
        void entry.session.close(CLOSE_SERVICE_RESTART, 'allowlist policy changed; reconnect');
      }
    }
  }

  /**
   * Serves new connections with `tls` (a rotated certificate, key or CA); sessions already open keep
   * theirs. Ignored by a hub without TLS (turning TLS on needs a restart).
   *
   * @throws Error when `tls` is unusable (the old material then stays in force).
   */
  setTls(tls: MutualTlsOptions): void {
    if (!(this.#server instanceof https.Server)) return;
    this.#server.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca, minVersion: tls.minVersion });
  }

  /** Identities of the connected peers, ephemeral ones included. */
  connectedPeers(): string[] {
    return [...new Set([...this.#peers.keys(), ...[...this.#ephemeral].map((e) => e.session.link.peer)])];
  }

  /** Identities of the connected peers this hub sends `channel` to (or waits to), ephemeral ones included. */
  peersSending(channel: string): string[] {
    const entries = [...this.#peers.values(), ...this.#ephemeral];
    return [...new Set(entries.filter((e) => e.sending.has(channel)).map((e) => e.identity))];
  }

  /** The session of a connected peer (the newest, for ephemeral peers sharing an identity). */
  session(peer: string): Session | undefined {
    const durable = this.#peers.get(peer)?.session;
    if (durable !== undefined) return durable;
    return [...this.#ephemeral].reverse().find((e) => e.session.link.peer === peer)?.session;
  }

  /** Stops accepting, closes every session (flushing its cursors), and stops the sweep. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#sweep?.clear();
    this.#waits.close();
    this.#stopWatchingPatterns();
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    for (const ws of this.#pending) ws.terminate();
    await Promise.all(
      [...this.#peers.values(), ...this.#ephemeral].map(async (entry) => {
        this.#opts.ctx.audit.log({ event: AuditEvent.CLIENT_DRAIN, peer: entry.session.link.peer });
        await entry.session.close(1001, 'hub shutting down');
        await entry.closed;
      }),
    );
    this.#server.closeAllConnections();
    await closed;
    this.#wss.close();
  }

  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const remote = remoteOf(socket);
    let cn: string | undefined;
    if (this.#opts.tls !== undefined) {
      cn = socket instanceof TLSSocket ? peerCommonName(socket) : undefined;
      if (cn === undefined) {
        refuseTls(
          { audit: this.#opts.ctx.audit, logger: this.#logger },
          remote,
          'certificate subject without exactly one CN',
        );
        socket.destroy();
        return;
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const { ctx } = this.#opts;
      // Listening from the first byte: a malformed frame before the session exists must not go unhandled.
      const errors = watchConnectionErrors(ws, {
        audit: ctx.audit,
        logger: this.#logger,
        clock: ctx.clock,
        remote,
        peer: cn,
      });
      void this.#accept(ws, cn, remote, errors).catch((err: unknown) => {
        this.#logger.error({ err, peer: cn }, 'federation connection setup failed');
        ws.terminate();
      });
    });
  }

  #allowedEntry(identity: string): AllowedPeer | undefined | false {
    return allowedEntryIn(this.#allowedPeers, identity);
  }

  #reject(ws: WebSocket, identity: string, remote: string): void {
    this.#logger.warn({ peer: identity, remote }, 'federation peer not in allowlist; refused');
    this.#opts.ctx.audit.log({ event: AuditEvent.CLIENT_REJECTED, peer: identity, peer_addr: remote });
    ws.close(CLOSE_NOT_IN_ALLOWLIST, CLOSE_REASON_NOT_IN_ALLOWLIST);
  }

  async #accept(
    ws: WebSocket,
    cn: string | undefined,
    remote: string,
    errors: ConnectionErrors,
  ): Promise<void> {
    const { ctx } = this.#opts;
    const queue = new MessageQueue(ws);
    this.#pending.add(ws);
    ws.once('close', () => this.#pending.delete(ws));
    if (cn !== undefined && this.#allowedEntry(cn) === false) {
      this.#reject(ws, cn, remote);
      return;
    }
    let handshake;
    try {
      handshake = await queue.handshake(ctx.handshakeTimeoutMs, ctx.clock);
    } catch (err) {
      this.#handshakeFailed(ws, errors, remote, err);
      return;
    }
    const identity = cn ?? handshake.instance_name;
    errors.peer = identity;
    const entry = this.#allowedEntry(identity);
    if (entry === false) {
      this.#reject(ws, identity, remote);
      return;
    }
    if (this.#closing || ws.readyState !== ws.OPEN) return;
    const requested = new Set(handshake.subscribe ?? []);
    const patterns = requestedPatterns(handshake[SUBSCRIBE_PATTERNS_FIELD]);
    const subscriptions = requested.size + patterns.valid.length + patterns.refused.length;
    if (subscriptions > this.#opts.maxSubscriptionsPerPeer) {
      this.#refuseSubscriptions(ws, identity, remote, subscriptions);
      return;
    }
    const ephemeral = handshake.ephemeral === true;
    const allowed = withInboxOf(anyWhenEmpty(entry?.subscribe ?? []), identity);
    const { accepted: sendChannels, refused } = effectiveSubscriptions([...requested], allowed);
    refused.push(...patterns.refused);
    if (refused.length > 0) this.#auditRefusedSubscriptions(identity, remote, refused);
    const patternFilter = patterns.valid.length > 0 ? new ChannelFilter(patterns.valid) : undefined;
    const older = ephemeral ? undefined : this.#peers.get(identity);
    if (older !== undefined) {
      this.#logger.info({ peer: identity }, 'replacing the older connection of the same peer');
      await older.session.close(CLOSE_REPLACED, 'replaced by a newer connection');
      await older.closed;
    }
    if (this.#closing || ws.readyState !== ws.OPEN) return;
    // A channel that does not exist yet gets nothing (no folder, cursor file or watch) until it does,
    // but a durable peer's waiting list: one created while the peer was away is sent from its start.
    // Its remembered patterns likewise: a matching channel without a cursor was created while it was away.
    const remembered = ephemeral ? new Set<string>() : await this.#readWaitingList(identity);
    const rememberedPatterns = new ChannelFilter([...remembered].filter(isChannelPattern));
    const cursors = new Map<string, Cursor>();
    const waiting = new Set<string>();
    for (const channel of sendChannels) {
      if (await ctx.storage.hasChannel(channel)) {
        const from = remembered.has(channel) ? 'beginning' : 'end';
        cursors.set(channel, await this.#openCursor(channel, identity, ephemeral, from));
      } else {
        waiting.add(channel);
      }
    }
    const matching = patternFilter === undefined ? [] : await ctx.storage.existingChannels();
    for (const channel of matching) {
      if (cursors.has(channel) || !matchesSubscription(patternFilter, allowed, channel)) continue;
      const from = rememberedPatterns.has(channel) ? 'beginning' : 'end';
      cursors.set(channel, await this.#openCursor(channel, identity, ephemeral, from));
    }
    const remember = new Set([...waiting, ...(patternFilter?.patterns ?? [])]);
    if (!ephemeral && (remembered.size > 0 || remember.size > 0)) {
      await this.#waitingLists.write(identity, remember);
    }
    if (this.#closing || ws.readyState !== ws.OPEN) {
      // Gone while its cursors were opened: a link over a closed socket would never end.
      await Promise.all([...cursors.values()].map((c) => c.close()));
      return;
    }
    this.#pending.delete(ws);
    ws.send(
      encodeHandshake({
        instance_name: ctx.name,
        role: ROLE_HUB,
        version: PROTOCOL_VERSION,
        ...handshakeExtensions(ctx.maxBatchBytes),
      }),
    );
    const publish = entry?.publish ?? [];
    const session = new Session({
      ctx,
      ws,
      queue,
      peer: identity,
      framesInFlight: framesInFlightOf(handshake, MAX_FRAMES_IN_FLIGHT),
      peerMaxBatchBytes: maxBatchBytesOf(handshake),
      accepted: withInboxOf(anyWhenEmpty(publish), ctx.name),
      cursors,
      auditForwards: !ephemeral,
      logger: this.#logger.child({ peer: identity }),
    });
    const peerEntry: PeerEntry = {
      identity,
      ephemeral,
      session,
      cursors: [...cursors.values()],
      sending: new Set([...cursors.keys(), ...waiting]),
      patterns: patternFilter,
      allowed,
      starts: Promise.resolve(),
      ended: false,
      closed: Promise.resolve(),
      since: ctx.clock.now(),
    };
    if (ephemeral) this.#ephemeral.add(peerEntry);
    else this.#peers.set(identity, peerEntry);
    this.#waits.add(peerEntry, waiting);
    // A matching channel created while the cursors were opened: the listener was not called for this peer.
    if (patternFilter !== undefined) {
      for (const channel of await ctx.storage.existingChannels()) {
        if (this.#matchesPatterns(peerEntry, channel)) this.#startSending(peerEntry, channel);
      }
    }
    const sent = [...peerEntry.sending];
    this.#logger.info(
      { peer: identity, remote, ephemeral, subscribe: sent, subscribe_patterns: patternFilter?.patterns },
      'federation peer connected',
    );
    ctx.audit.log({
      event: AuditEvent.CLIENT_CONNECTED,
      peer: identity,
      peer_addr: remote,
      detail: `addr=${remote}${sent.length > 0 ? ` sub=[${sent.join(',')}]` : ''}${patternFilter === undefined ? '' : ` sub_patterns=[${patternFilter.patterns.join(',')}]`}${publish.length > 0 ? ` pub=[${publish.join(',')}]` : ''}${ephemeral ? ' ephemeral' : ''}`,
    });
    peerEntry.closed = session.done.then(async (end) => {
      peerEntry.ended = true;
      this.#waits.remove(peerEntry);
      await peerEntry.starts;
      await Promise.all(peerEntry.cursors.map((c) => c.close()));
      this.#ephemeral.delete(peerEntry);
      if (this.#peers.get(identity) === peerEntry) this.#peers.delete(identity);
      const seconds = ((ctx.clock.now() - peerEntry.since) / 1000).toFixed(3);
      this.#logger.info(
        { peer: identity, code: end.code, reason: end.reason },
        'federation peer disconnected',
      );
      ctx.audit.log({
        event: AuditEvent.PEER_DISCONNECTED,
        peer: identity,
        peer_addr: remote,
        detail: `duration=${seconds}s${end.error === undefined ? '' : ` err=${errorMessage(end.error)}`}`,
      });
    });
  }

  /** Refuses a handshake subscribing to more channels than allowed: logged, audited, closed 4429. */
  #refuseSubscriptions(ws: WebSocket, identity: string, remote: string, requested: number): void {
    const max = this.#opts.maxSubscriptionsPerPeer;
    const reason = `too many subscriptions: ${requested} requested, at most ${max}`;
    this.#logger.warn(
      { peer: identity, remote, requested, max_subscriptions_per_peer: max },
      'federation handshake subscribes to too many channels; refused',
    );
    this.#opts.ctx.audit.log({
      event: AuditEvent.CLIENT_REJECTED,
      peer: identity,
      peer_addr: remote,
      detail: reason,
    });
    ws.close(CLOSE_TOO_MANY_SUBSCRIPTIONS, reason);
  }

  /** The waiting list of a durable peer; an unreadable one is logged and read as empty. */
  async #readWaitingList(identity: string): Promise<ReadonlySet<string>> {
    const { channels, problem } = await this.#waitingLists.read(identity);
    if (problem !== undefined) {
      this.#logger.warn(
        { peer: identity, problem },
        'unreadable list of channels the peer waits for; channels created while it was away start at their end',
      );
    }
    return channels;
  }

  /** Opens the `fed-<peer>` cursor of `channel` (kept in memory only for an ephemeral peer). */
  async #openCursor(
    channel: string,
    identity: string,
    ephemeral: boolean,
    from: StartPosition,
  ): Promise<Cursor> {
    const { ctx } = this.#opts;
    return Cursor.open(
      {
        log: await ctx.storage.log(channel),
        ...(ephemeral ? {} : { offsets: ctx.storage.offsets }),
        id: cursorIds.federationIn(identity),
        flushIntervalMs: ctx.offsetFlushIntervalMs,
        batchBytes: senderReadBytes(ctx.maxBatchBytes),
        clock: ctx.clock,
        logger: this.#logger,
      },
      ephemeral ? from : await firstStart(ctx, channel, from),
    );
  }

  /** Whether `channel`, not yet sent to the peer of `entry`, matches its subscription patterns. */
  #matchesPatterns(entry: PeerEntry, channel: string): boolean {
    return (
      !entry.ended &&
      !entry.sending.has(channel) &&
      matchesSubscription(entry.patterns, entry.allowed, channel)
    );
  }

  /** Starts sending `channel` to the peer of `entry` from its first record, once per channel. */
  #startSending(entry: PeerEntry, channel: string): void {
    if (entry.ended) return;
    entry.sending.add(channel);
    entry.starts = entry.starts.then(() => this.#sendCreated(entry, channel));
  }

  /** Sends a channel created after the session subscribed to it, from its first record. Never throws. */
  async #sendCreated(entry: PeerEntry, channel: string): Promise<void> {
    try {
      const cursor = await this.#openCursor(channel, entry.identity, entry.ephemeral, 'beginning');
      if (entry.ended) {
        await cursor.close();
        return;
      }
      entry.cursors.push(cursor);
      entry.session.addChannel(channel, cursor);
      if (!entry.ephemeral) {
        const remember = [...this.#waits.waiting(entry), ...(entry.patterns?.patterns ?? [])];
        await this.#waitingLists.write(entry.identity, new Set(remember));
      }
      this.#logger.info(
        { peer: entry.identity, channel },
        'subscribed channel created; sending it to the peer',
      );
    } catch (err) {
      this.#logger.error(
        { err, peer: entry.identity, channel },
        'cannot send a newly created channel; closing the link',
      );
      entry.session.link.close(1011, 'sender failed');
    }
  }

  /** Closes a connection whose handshake failed with 1002 and audits it, unless it is already gone. */
  #handshakeFailed(ws: WebSocket, errors: ConnectionErrors, remote: string, err: unknown): void {
    // A frame error was audited when it happened, and a peer that hung up broke nothing.
    if (errors.error !== undefined || ws.readyState !== ws.OPEN) {
      this.#logger.info(
        { peer: errors.peer, remote, err: errorMessage(err) },
        'federation handshake not completed',
      );
      return;
    }
    this.#logger.warn({ peer: errors.peer, remote, err: errorMessage(err) }, 'federation handshake failed');
    this.#opts.ctx.audit.log({
      event: AuditEvent.PROTOCOL_ERROR,
      ...(errors.peer === undefined ? {} : { peer: errors.peer }),
      peer_addr: remote,
      detail: `code=1002 ${errorMessage(err)}`,
    });
    ws.close(1002, errorMessage(err).slice(0, 120));
  }

  /** Logs and audits the channels a handshake asked for that the policy does not allow (or invalid names). */
  #auditRefusedSubscriptions(peer: string, remote: string, refused: readonly string[]): void {
    this.#logger.warn(
      { peer, channels: refused.slice(0, SHOWN_REFUSALS) },
      'subscriptions refused by policy or invalid',
    );
    const shown = refused.slice(0, SHOWN_REFUSALS).join(',');
    const more = refused.length > SHOWN_REFUSALS ? ` (+${refused.length - SHOWN_REFUSALS} more)` : '';
    this.#opts.ctx.audit.log({
      event: AuditEvent.SUBSCRIPTION_REFUSED,
      peer,
      peer_addr: remote,
      detail: `refused=[${shown}]${more}`,
    });
  }

  #startSweep(): void {
    const ttl = this.#opts.fedClientOffsetTtlMs;
    if (ttl <= 0) return;
    const interval = this.#opts.ttlSweepIntervalMs ?? Math.min(3_600_000, Math.max(ttl / 2, 60_000));
    this.#sweep = this.#opts.ctx.clock.setInterval(() => {
      void sweepStaleCursors({
        offsets: this.#opts.ctx.storage.offsets,
        waitingLists: this.#waitingLists,
        ttlMs: ttl,
        clock: this.#opts.ctx.clock,
        isConnected: (filePeer) =>
          [...this.#peers.keys()].some((peer) => sanitizeFileComponent(peer) === filePeer),
        logger: this.#logger,
      }).catch((err: unknown) => {
        this.#logger.warn({ err }, 'federation TTL sweep failed');
      });
    }, interval);
  }
}

/**
 * Whether `channel` matches the subscription `patterns` of a peer and its allowlist entry lets it
 * receive it (valid names only, never a dead-letter channel).
 */
function matchesSubscription(
  patterns: ChannelFilter | undefined,
  allowed: ChannelSet,
  channel: string,
): boolean {
  return patterns?.has(channel) === true && inboundRefusal(allowed, channel) === undefined;
}

/** Refused channels named in one log line or audit record; the rest are counted. */
const SHOWN_REFUSALS = 20;
