/**
 * A federation session: a link plus its receiver and one sender per channel sent to the peer.
 */
import type WebSocket from 'ws';
import type { Cursor } from '../delivery/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './context.js';
import { Link, type LinkEnd } from './link.js';
import type { MessageQueue } from './message-queue.js';
import type { ChannelSet } from './policy.js';
import { Receiver } from './receiver.js';
import { peerRecordLimit } from './record-limit.js';
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
  /** Open cursors of the channels sent to the peer (owned by the caller). */
  cursors: ReadonlyMap<string, Cursor>;
  /** Audit each outbound message (false for ephemeral peers). */
  auditForwards: boolean;
  logger: Logger;
}

/** One connected peer with its senders running. */
export class Session {
  readonly link: Link;
  readonly receiver: Receiver;
  readonly #senders: Promise<void>[];
  /** Resolves when the link has ended and every sender has stopped. */
  readonly done: Promise<LinkEnd>;

  constructor(opts: SessionOptions) {
    const { ctx, peer, logger, peerMaxBatchBytes } = opts;
    if (peerMaxBatchBytes !== undefined && peerMaxBatchBytes !== ctx.maxBatchBytes) {
      logger.info(
        { peer_max_batch_bytes: peerMaxBatchBytes, max_batch_bytes: ctx.maxBatchBytes },
        peerMaxBatchBytes > ctx.maxBatchBytes
          ? 'peer accepts larger records than federation.max_batch_bytes here; larger ones it sends are skipped'
          : 'peer accepts smaller records than federation.max_batch_bytes here; larger ones are not sent to it',
      );
    }
    const limit = peerRecordLimit(ctx.maxBatchBytes, peerMaxBatchBytes);
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
    this.#senders = [...opts.cursors].map(([channel, cursor]) =>
      runSender(
        { ctx, link: this.link, cursor, channel, limit, logger, auditForwards: opts.auditForwards },
        this.link.signal,
      ),
    );
    this.done = this.link.ended.then(async (end) => {
      await Promise.all(this.#senders);
      return end;
    });
  }

  /** Closes the link and waits for the senders to stop. */
  async close(code = 1000, reason = ''): Promise<LinkEnd> {
    this.link.close(code, reason);
    return this.done;
  }
}
