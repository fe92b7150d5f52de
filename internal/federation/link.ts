/**
 * One federation connection after its handshake: batches out with as many in flight as the peer
 * accepts (one for a Go peer), batches in handled one at a time and acknowledged in order, ping/pong
 * liveness.
 */
import type WebSocket from 'ws';
import type { Clock } from '../clock/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { MessageQueue } from './message-queue.js';
import { decodeAck, encodeAck, encodeFrame, type AckMessage } from './protocol/index.js';

/** Settings of a {@link Link}. */
export interface LinkOptions {
  ws: WebSocket;
  /** Messages received since the socket opened, past the handshake. */
  queue: MessageQueue;
  /** The peer's identity (certificate CN, or handshake name without TLS). */
  peer: string;
  /** Unacknowledged frames the peer accepts (its handshake's `max_in_flight`, 1 for a Go peer). */
  framesInFlight: number;
  /** Handles one inbound frame; resolves with the ack to send once its records are stored. */
  onFrame: (frame: Buffer) => Promise<AckMessage>;
  /** Interval between pings; a peer that misses a pong is dropped. */
  pingIntervalMs: number;
  clock: Clock;
  logger: Logger;
}

/** Why a link ended. */
export interface LinkEnd {
  code: number;
  reason: string;
  error: Error | undefined;
}

/** What a {@link Link} has in flight and has had acknowledged. */
export interface LinkTraffic {
  /** Frames sent and not yet acknowledged. */
  framesInFlight: number;
  /** Records in those frames. */
  recordsInFlight: number;
  /** Acks received since the link opened. */
  acks: number;
}

interface OutboundFrame {
  records: readonly Uint8Array[];
  resolve: (ack: AckMessage) => void;
  reject: (err: Error) => void;
}

/** A connected peer. */
export class Link {
  readonly #opts: LinkOptions;
  readonly #ws: WebSocket;
  /** Frames sent and not yet acknowledged, oldest first (the peer acks in order). */
  #inFlight: OutboundFrame[] = [];
  /** Frames waiting for room in the window. */
  #waiting: OutboundFrame[] = [];
  #inbound: Promise<void> = Promise.resolve();
  #alive = true;
  #ping: { clear(): void } | undefined;
  #error: Error | undefined;
  #ended = false;
  #acks = 0;
  readonly #abort = new AbortController();
  /** Resolves when the connection has ended. */
  readonly ended: Promise<LinkEnd>;

  constructor(opts: LinkOptions) {
    this.#opts = opts;
    this.#ws = opts.ws;
    this.ended = new Promise<LinkEnd>((resolve) => {
      this.#ws.once('close', (code, reason) => {
        this.#finish();
        resolve({ code, reason: reason.toString('utf8'), error: this.#error });
      });
    });
    opts.queue.handOver((data, isBinary) => {
      this.#onMessage(data, isBinary);
    });
    this.#ws.on('error', (err) => {
      this.#error ??= err;
      // Logged and audited by the connection's owner (watchConnectionErrors); kept for the end report.
      opts.logger.debug({ err, peer: opts.peer }, 'federation connection error');
    });
    this.#ws.on('pong', () => {
      this.#alive = true;
    });
    this.#ping = opts.clock.setInterval(() => {
      if (!this.#alive) {
        opts.logger.warn({ peer: opts.peer }, 'federation peer missed a pong; dropping the connection');
        this.#ws.terminate();
        return;
      }
      this.#alive = false;
      this.#ws.ping();
    }, opts.pingIntervalMs);
    if (this.#ws.readyState !== this.#ws.OPEN) this.#finish();
  }

  /** The peer's identity. */
  get peer(): string {
    return this.#opts.peer;
  }

  /** Aborted when the link ends; senders use it to stop. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Unacknowledged frames the peer accepts. */
  get framesInFlight(): number {
    return this.#opts.framesInFlight;
  }

  /** Frames and records sent and not yet acknowledged, and the acks received so far (for metrics). */
  get traffic(): LinkTraffic {
    const records = this.#inFlight.reduce((sum, frame) => sum + frame.records.length, 0);
    return { framesInFlight: this.#inFlight.length, recordsInFlight: records, acks: this.#acks };
  }

  /**
   * Sends `records` as one binary frame as soon as fewer than {@link Link.framesInFlight} frames
   * await their ack (frames go out in call order), and resolves with the peer's ack. Rejects when
   * the link ends first.
   */
  send(records: readonly Uint8Array[]): Promise<AckMessage> {
    if (this.#ended) return Promise.reject(this.#lostError());
    return new Promise<AckMessage>((resolve, reject) => {
      const frame: OutboundFrame = { records, resolve, reject };
      if (this.#inFlight.length < this.#opts.framesInFlight) this.#transmit(frame);
      else this.#waiting.push(frame);
    });
  }

  /** Closes the connection with `code` and `reason`. */
  close(code = 1000, reason = ''): void {
    if (this.#ws.readyState === this.#ws.CLOSED) return;
    this.#ws.close(code, reason);
    const force = this.#opts.clock.setTimeout(() => {
      this.#ws.terminate();
    }, 2000);
    void this.ended.then(() => {
      force.clear();
    });
  }

  #transmit(frame: OutboundFrame): void {
    this.#inFlight.push(frame);
    this.#ws.send(encodeFrame(frame.records), { binary: true }, (err) => {
      // A write fails when the connection is going away: the frames are lost with the link.
      if (err !== undefined && err !== null) this.#failPending(this.#lostError(err));
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const pending = this.#inFlight.shift();
      if (pending === undefined) {
        this.#opts.logger.warn(
          { peer: this.#opts.peer },
          'unexpected text frame from federation peer (no batch in flight)',
        );
        return;
      }
      try {
        pending.resolve(decodeAck(data));
        this.#acks += 1;
      } catch (err) {
        pending.reject(err as Error);
        this.#protocolError(err);
        return;
      }
      const next = this.#waiting.shift();
      if (next !== undefined) this.#transmit(next);
      return;
    }
    this.#inbound = this.#inbound.then(async () => {
      if (this.#ended) return;
      try {
        const ack = await this.#opts.onFrame(data);
        if (!this.#ended) this.#ws.send(encodeAck(ack));
      } catch (err) {
        if (this.#ended) return;
        if (hasProtocolCode(err)) {
          // The peer's fault, not ours: say so, without a stack.
          this.#opts.logger.warn(
            { peer: this.#opts.peer, problem: errorMessage(err) },
            `malformed frame from federation peer ${JSON.stringify(this.#opts.peer)}; closing the link (1002), nothing of it stored`,
          );
          this.#protocolError(err);
          return;
        }
        this.#opts.logger.error(
          { err, peer: this.#opts.peer },
          'inbound batch not stored; closing without ack so the peer resends',
        );
        this.#error ??= err instanceof Error ? err : new Error(String(err));
        this.close(1011, truncateReason(errorMessage(err)));
      }
    });
  }

  #protocolError(err: unknown): void {
    this.#error ??= err instanceof Error ? err : new Error(String(err));
    this.close(1002, truncateReason(errorMessage(err)));
  }

  /** Rejects every frame in flight or waiting. */
  #failPending(err: Error): void {
    const frames = [...this.#inFlight, ...this.#waiting];
    this.#inFlight = [];
    this.#waiting = [];
    for (const frame of frames) frame.reject(err);
  }

  /** `ERR_LINK_LOST` for frames the link can no longer get acknowledged; `cause` defaults to the link's error. */
  #lostError(cause: Error | undefined = this.#error): MessengerError {
    return new MessengerError(
      ErrorCode.LINK_LOST,
      `connection to ${this.#opts.peer} lost before the batch was acknowledged`,
      cause === undefined ? undefined : { cause },
    );
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#ping?.clear();
    this.#abort.abort(this.#lostError());
    this.#failPending(this.#lostError());
  }
}

function hasProtocolCode(err: unknown): boolean {
  return err instanceof MessengerError && err.code === ErrorCode.PROTOCOL;
}

/** Close reasons are limited to 123 bytes. */
function truncateReason(reason: string): string {
  return Buffer.from(reason).subarray(0, 120).toString('utf8');
}
