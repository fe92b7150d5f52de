/**
 * Errors of a federation WebSocket. `ws` reports a peer's malformed frame (no mask, a reserved opcode
 * or RSV bit, invalid UTF-8, a continuation first, a length over the limit…) as an `'error'` event
 * and closes the connection with the code RFC 6455 names; an `'error'` event nobody listens to ends
 * the process. {@link watchConnectionErrors} listens for the socket's whole life.
 */
import type WebSocket from 'ws';
import { AuditEvent, type AuditLog } from '../audit/index.js';
import type { Clock } from '../clock/index.js';
import { errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';

/** How long a peer that broke the protocol gets to answer our close frame before the socket is cut. */
export const CLOSE_GRACE_MS = 2000;

/**
 * The close code `ws` sends for a frame error `err`: 1009 for a message too big, 1008 for too many
 * fragments, 1007 for invalid UTF-8, 1002 for any other protocol error.
 */
export function frameErrorCloseCode(err: Error): number {
  switch ((err as { code?: unknown }).code) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 1009;
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      return 1008;
    case 'WS_ERR_INVALID_UTF8':
      return 1007;
    default:
      return 1002;
  }
}

/** Settings of {@link watchConnectionErrors}. */
export interface ConnectionErrorsOptions {
  audit: AuditLog;
  logger: Logger;
  clock: Clock;
  /** The peer's network address, `host:port`. */
  remote: string;
  /** The peer's identity, when known yet (see {@link ConnectionErrors.peer}). */
  peer: string | undefined;
}

/** What {@link watchConnectionErrors} saw of one connection. */
export interface ConnectionErrors {
  /** The first error, once there was one. */
  readonly error: Error | undefined;
  /** The identity reported with later errors (set once the handshake named it). */
  peer: string | undefined;
}

/**
 * Handles every `'error'` of `ws` from now on: logs it, audits `protocol_error` with the close code
 * `ws` sent, and cuts the socket if the peer has not completed the close within
 * {@link CLOSE_GRACE_MS}. The connection ends; nothing else is affected.
 */
export function watchConnectionErrors(ws: WebSocket, opts: ConnectionErrorsOptions): ConnectionErrors {
  const state: { error: Error | undefined; peer: string | undefined } = { error: undefined, peer: opts.peer };
  ws.on('error', (err) => {
    state.error ??= err;
    const code = frameErrorCloseCode(err);
    opts.logger.warn(
      { peer: state.peer, remote: opts.remote, code, err: errorMessage(err) },
      'federation peer broke the WebSocket protocol; connection closed',
    );
    opts.audit.log({
      event: AuditEvent.PROTOCOL_ERROR,
      ...(state.peer === undefined ? {} : { peer: state.peer }),
      peer_addr: opts.remote,
      detail: `code=${code} ${errorMessage(err)}`,
    });
    const cut = opts.clock.setTimeout(() => {
      ws.terminate();
    }, CLOSE_GRACE_MS);
    ws.once('close', () => {
      cut.clear();
    });
  });
  return state;
}
