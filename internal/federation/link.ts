/**
 * One federation connection after its handshake: batches out with one in flight, batches in handled
 * one at a time and acknowledged, ping/pong liveness.
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

interface PendingAck {
  resolve: (ack: AckMessage) => void;
  reject: (err: Error) => void;
}

/** A connected peer. */
export class Link {
  readonly #opts: LinkOptions;
  readonly #ws: WebSocket;
  #sendChain: Promise<unknown> = Promise.resolve();
  #pending: PendingAck | undefined;
  #inbound: Promise<void> = Promise.resolve();
  #alive = true;
  #ping: { clear(): void } | undefined;
  #error: Error | undefined;
  #ended = false;
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
      opts.logger.warn({ err, peer: opts.peer }, 'federation connection error');
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

  /**
   * Sends `records` as one binary frame once no other batch is in flight, and resolves with the
   * peer's ack. Rejects when the link ends first.
   */
  send(records: readonly Uint8Array[]): Promise<AckMessage> {
    const result = this.#sendChain.then(() => this.#sendNow(records));
    this.#sendChain = result.catch(() => undefined);
    return result;
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

  #sendNow(records: readonly Uint8Array[]): Promise<AckMessage> {
    if (this.#ended) return Promise.reject(this.#lostError());
    return new Promise<AckMessage>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#ws.send(encodeFrame(records), { binary: true }, (err) => {
        if (err !== undefined && err !== null) this.#failPending(err);
      });
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const pending = this.#pending;
      if (pending === undefined) {
        this.#opts.logger.warn(
          { peer: this.#opts.peer },
          'unexpected text frame from federation peer (no batch in flight)',
        );
        return;
      }
      this.#pending = undefined;
      try {
        pending.resolve(decodeAck(data));
      } catch (err) {
        pending.reject(err as Error);
        this.#protocolError(err);
      }
      return;
    }
    this.#inbound = this.#inbound.then(async () => {
      if (this.#ended) return;
      try {
        const ack = await this.#opts.onFrame(data);
        if (!this.#ended) this.#ws.send(encodeAck(ack));
      } catch (err) {
        if (this.#ended) return;
        this.#opts.logger.error(
          { err, peer: this.#opts.peer },
          'inbound batch not stored; closing without ack so the peer resends',
        );
        this.#error ??= err instanceof Error ? err : new Error(String(err));
        this.close(hasProtocolCode(err) ? 1002 : 1011, truncateReason(errorMessage(err)));
      }
    });
  }

  #protocolError(err: unknown): void {
    this.#error ??= err instanceof Error ? err : new Error(String(err));
    this.close(1002, truncateReason(errorMessage(err)));
  }

  #failPending(err: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(err);
  }

  #lostError(): MessengerError {
    return new MessengerError(
      ErrorCode.EPHEMERAL_CONN_LOST,
      `connection to ${this.#opts.peer} lost before the batch was acknowledged`,
      {
        ...(this.#error === undefined ? {} : { cause: this.#error }),
      },
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

/** ws hands messages over as Buffer, ArrayBuffer or Buffer[]; normalise to one Buffer. */
export function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
