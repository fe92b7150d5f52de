/**
 * Buffers a WebSocket's messages from the moment it opens, so none is lost between reading the
 * handshake and handing the connection to its session.
 */
import type WebSocket from 'ws';
import { ErrorCode, MessengerError } from '../errors/index.js';
import type { Clock } from '../clock/index.js';
import { decodeHandshake, type HandshakeMessage } from './protocol/index.js';

interface Queued {
  data: Buffer;
  isBinary: boolean;
}

/** Holds messages until a consumer takes over. */
export class MessageQueue {
  readonly #ws: WebSocket;
  #queued: Queued[] = [];
  #waiter: ((message: Queued) => void) | undefined;
  readonly #listener = (data: WebSocket.RawData, isBinary: boolean): void => {
    const message = { data: toBuffer(data), isBinary };
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(message);
    } else {
      this.#queued.push(message);
    }
  };

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', this.#listener);
  }

  /**
   * The first message, which must be a text handshake, within `timeoutMs`. Rejects with
   * ERR_PROTOCOL on a binary frame, bad JSON, a timeout, or a closed connection.
   */
  handshake(timeoutMs: number, clock: Clock): Promise<HandshakeMessage> {
    return new Promise<HandshakeMessage>((resolve, reject) => {
      const fail = (reason: string): void => {
        cleanup();
        reject(new MessengerError(ErrorCode.PROTOCOL, `federation: handshake: ${reason}`));
      };
      const timer = clock.setTimeout(() => {
        fail(`no handshake within ${timeoutMs} ms`);
      }, timeoutMs);
      const onClose = (code: number, reason: Buffer): void => {
        fail(`connection closed (${code}${reason.length > 0 ? ` ${reason.toString('utf8')}` : ''})`);
      };
      const cleanup = (): void => {
        timer.clear();
        this.#waiter = undefined;
        this.#ws.off('close', onClose);
      };
      this.#ws.once('close', onClose);
      const take = (message: Queued): void => {
        cleanup();
        if (message.isBinary) {
          reject(
            new MessengerError(ErrorCode.PROTOCOL, 'federation: handshake: expected text frame, got binary'),
          );
          return;
        }
        try {
          resolve(decodeHandshake(message.data));
        } catch (err) {
          reject(err);
        }
      };
      const first = this.#queued.shift();
      if (first !== undefined) take(first);
      else this.#waiter = take;
    });
  }

  /** Stops buffering: replays what is queued to `listener`, then the socket delivers directly. */
  handOver(listener: (data: Buffer, isBinary: boolean) => void): void {
    this.#ws.off('message', this.#listener);
    const queued = this.#queued;
    this.#queued = [];
    for (const message of queued) listener(message.data, message.isBinary);
    this.#ws.on('message', (data, isBinary) => {
      listener(toBuffer(data), isBinary);
    });
  }
}

/** ws hands messages over as Buffer, ArrayBuffer or Buffer[]; normalise to one Buffer. */
function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
