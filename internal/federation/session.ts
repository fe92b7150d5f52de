/**
 * A federation session: a link plus its receiver and one sender per channel sent to the peer.
 */
import type WebSocket from 'ws';
import type { Cursor } from '../delivery/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './federation-context.js';
import { Link, type LinkEnd } from './link.js';
import type { MessageQueue } from './message-queue.js';
import type { ChannelSet } from './policy.js';
import { Receiver } from './receiver.js';
import { peerRecordLimit, type PeerRecordLimit } from './record-limit.js';
import { runSender } from './sender.js';

/** Settings of a {@link Session}. */
export interface SessionOptions {
  ctx: FederationContext;
  ws: WebSocket;
  queue: MessageQueue;
  peer: string;
  /** Unacknowledged frames the peer accepts. */
  framesInFlight: number;
  /** The largest record the peer accepts, from its handshake (undefined: a Go peer, which does not say). */
  peerMaxBatchBytes: number | undefined;
  /** Channels accepted from the peer. */
  accepted: ChannelSet;
  /** Open cursors of the channels sent to the peer from the start (owned by the caller). */
  cursors: ReadonlyMap<string, Cursor>;
  /** Audit each outbound message (false for ephemeral peers). */
  auditForwards: boolean;
  logger: Logger;
}

/** One connected peer with its senders running. */
export class Session {
  readonly link: Link;
  readonly receiver: Receiver;
  readonly #opts: SessionOptions;
  readonly #senders: Promise<void>[] = [];
  /** The largest record this peer is sent (see record-limit.ts). */
  readonly #limit: PeerRecordLimit;
  /** Resolves when the link has ended and every sender has stopped. */
  readonly done: Promise<LinkEnd>;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    const { ctx, peer, logger, peerMaxBatchBytes } = opts;
    if (peerMaxBatchBytes !== undefined && peerMaxBatchBytes !== ctx.maxBatchBytes) {
      logger.info(
        { peer_max_batch_bytes: peerMaxBatchBytes, max_batch_bytes: ctx.maxBatchBytes },
        peerMaxBatchBytes > ctx.maxBatchBytes
          ? 'peer accepts larger records than federation.max_batch_bytes here; larger ones it sends are skipped'
          : 'peer accepts smaller records than federation.max_batch_bytes here; larger ones are not sent to it',
      );
    }
    this.#limit = peerRecordLimit(ctx.maxBatchBytes, peerMaxBatchBytes);
    this.receiver = new Receiver({ ctx, peer, accepted: opts.accepted, logger });
    this.link = new Link({
      ws: opts.ws,
      queue: opts.queue,
      peer,
      framesInFlight: opts.framesInFlight,
      onFrame: (frame) => this.receiver.handle(frame),
      pingIntervalMs: ctx.pingIntervalMs,
      clock: ctx.clock,
      logger,
    });
    for (const [channel, cursor] of opts.cursors) this.addChannel(channel, cursor);
    this.done = this.link.ended.then(async (end) => {
      await Promise.all(this.#senders);
      return end;
    });
  }

  /**
   * Starts sending `channel` to the peer from `cursor` (owned by the caller): for the channels given
   * at the start, and for one the peer subscribed to before it existed, once it does. A no-op once
   * the link has ended.
   */
  addChannel(channel: string, cursor: Cursor): void {
    if (this.link.signal.aborted) return;
    const { ctx, logger, auditForwards } = this.#opts;
    this.#senders.push(
      runSender(
        { ctx, link: this.link, cursor, channel, limit: this.#limit, logger, auditForwards },
        this.link.signal,
      ),
    );
  }

  /** Closes the link and waits for the senders to stop. */
  async close(code = 1000, reason = ''): Promise<LinkEnd> {
    this.link.close(code, reason);
    return this.done;
  }
}
