/**
 * Dialling a hub as a stateless client: the WebSocket (over mutual TLS when configured), our handshake,
 * the hub's reply, and a failure classified as a refusal or something worth retrying.
 */
import { isIP, type createConnection } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type WebSocket from 'ws';
import type { Clock } from '../clock/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import { peerCommonName, type MutualTlsOptions } from '../tlsutil/index.js';
import { classifyDialFailure, type DialFacts, type DialVerdict } from './hub-refusal.js';
import { MessageQueue } from './message-queue.js';
import {
  encodeHandshake,
  MAX_FRAMES_IN_FLIGHT,
  framesInFlightOf,
  handshakeExtensions,
  maxBatchBytesOf,
  type HandshakeMessage,
} from './protocol/index.js';

/** Settings of {@link dialHub}. */
export interface DialHubOptions {
  /** The hub's `host:port`. */
  addr: string;
  /** Mutual TLS; undefined dials plain ws:// (trusted networks and tests only). */
  tls: MutualTlsOptions | undefined;
  /** The handshake to send. */
  handshake: HandshakeMessage;
  /** Limit for the TCP/TLS/upgrade exchange and, separately, for the hub's handshake reply. */
  handshakeTimeoutMs: number;
  /** Largest frame payload the hub may send is derived from it (at least 16 MiB). */
  maxBatchBytes: number;
  /**
   * Announce `maxBatchBytes` as the largest record accepted (durable clients); false for a client
   * that accepts records of any size the frame limit allows (ephemeral clients).
   */
  announceMaxBatchBytes: boolean;
  clock: Clock;
  /** Aborts the dial; the promise then rejects with `signal.reason`. */
  signal: AbortSignal;
}

/** An open connection past both handshakes. */
export interface HubConnection {
  ws: WebSocket;
  /** Messages received after the hub's handshake, held until a link takes over. */
  queue: MessageQueue;
  /** The hub's identity: its certificate CN, or its handshake name without TLS. */
  hubName: string;
  /** Unacknowledged frames the hub accepts (1 for a Go hub). */
  framesInFlight: number;
  /** The largest record the hub accepts, as it announced it (undefined: a Go hub, which does not). */
  peerMaxBatchBytes: number | undefined;
}

/** The codes of a failed dial, by kind of client. */
const DIAL_ERROR_CODES = {
  ephemeral: { refused: ErrorCode.EPHEMERAL_REJECTED, lost: ErrorCode.EPHEMERAL_CONN_LOST },
  durable: { refused: ErrorCode.LINK_REFUSED, lost: ErrorCode.LINK_LOST },
} as const;

/**
 * A failed dial: refused (`ERR_EPHEMERAL_REJECTED` for an ephemeral client, `ERR_LINK_REFUSED` for a
 * durable link) when the hub refused this client, else lost (`ERR_EPHEMERAL_CONN_LOST`,
 * `ERR_LINK_LOST`); `verdict` says how to treat it.
 */
export class HubDialError extends MessengerError {
  /** How the failure was classified. */
  readonly verdict: DialVerdict;
  readonly #addr: string;
  readonly #ephemeral: boolean;

  constructor(addr: string, cause: unknown, verdict: DialVerdict, ephemeral: boolean) {
    super(
      DIAL_ERROR_CODES[ephemeral ? 'ephemeral' : 'durable'][verdict.kind === 'refused' ? 'refused' : 'lost'],
      verdict.kind === 'refused'
        ? `hub ${addr}: ${verdict.reason}`
        : `cannot connect to hub ${addr}: ${errorMessage(cause)}${verdict.kind === 'suspect-certificate' ? ` (${verdict.reason})` : ''}`,
      { cause },
    );
    this.verdict = verdict;
    this.#addr = addr;
    this.#ephemeral = ephemeral;
  }

  /** This failure as a refusal for `reason` (several suspect dials in a row amount to one). */
  asRefusal(reason: string): HubDialError {
    if (this.verdict.kind === 'refused') return this;
    return new HubDialError(this.#addr, this, { kind: 'refused', reason }, this.#ephemeral);
  }
}

/** Opens a connection to a hub and exchanges handshakes. */
export async function dialHub(opts: DialHubOptions): Promise<HubConnection> {
  const { addr, tls, signal } = opts;
  // Loaded here, not at import: a library that never federates never pays for `ws`.
  const { default: WebSocketClient } = await import('ws');
  signal.throwIfAborted();
  const facts: { -readonly [K in keyof DialFacts]: DialFacts[K] } = {
    tlsEstablished: false,
    opened: false,
    closeCode: undefined,
    closeReason: '',
  };
  let tlsSocket: TLSSocket | undefined;
  const connectTls = (options: ConnectionOptions & { path?: string }): TLSSocket => {
    const { path: _ipcPath, ...rest } = options;
    const host = rest.host ?? '';
    tlsSocket = tlsConnect({
      ...rest,
      servername: isIP(host) === 0 ? host : '',
      cert: tls?.cert,
      key: tls?.key,
      ca: tls?.ca,
      minVersion: tls?.minVersion,
      rejectUnauthorized: true,
      // The hub is verified by its CA chain only (host names are not checked, so dialling by IP works).
      checkServerIdentity: () => undefined,
    });
    tlsSocket.once('secureConnect', () => {
      facts.tlsEstablished = true;
    });
    return tlsSocket;
  };
  const ws = new WebSocketClient(`${tls === undefined ? 'ws' : 'wss'}://${addr}/`, {
    handshakeTimeout: opts.handshakeTimeoutMs,
    maxPayload: Math.max(16 * 2 ** 20, 4 * opts.maxBatchBytes),
    perMessageDeflate: false,
    ...(tls === undefined
      ? {}
      : {
          createConnection: connectTls as unknown as typeof createConnection,
          // Inside TLS the frame mask protects nothing (it exists against cache poisoning of
          // plain-text proxies by browser scripts); an all-zero mask lets both ends skip the XOR.
          generateMask: zeroMask,
        }),
  });
  const queue = new MessageQueue(ws);
  ws.on('close', (code, reason) => {
    facts.closeCode = code;
    facts.closeReason = reason.toString('utf8');
  });
  const onAbort = (): void => {
    ws.terminate();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await opened(ws);
    facts.opened = true;
    // Errors after this point end the connection; the link that takes over logs them.
    ws.on('error', () => undefined);
    ws.send(
      encodeHandshake({
        ...opts.handshake,
        ...handshakeExtensions(opts.maxBatchBytes, opts.announceMaxBatchBytes),
      }),
    );
    const reply = await queue.handshake(opts.handshakeTimeoutMs, opts.clock);
    const cn = tlsSocket === undefined ? undefined : peerCommonName(tlsSocket);
    return {
      ws,
      queue,
      hubName: cn ?? reply.instance_name,
      framesInFlight: framesInFlightOf(reply, MAX_FRAMES_IN_FLIGHT),
      peerMaxBatchBytes: maxBatchBytesOf(reply),
    };
  } catch (err) {
    ws.terminate();
    if (signal.aborted) throw signal.reason;
    throw new HubDialError(addr, err, classifyDialFailure(err, facts), opts.handshake.ephemeral === true);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves when `ws` is open; rejects with its error, or when it closes first. */
function opened(ws: WebSocket): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('close', onClose);
    };
    const onOpen = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      // ws emits 'close' after 'error'; keep a listener so a late error cannot go unhandled.
      ws.on('error', () => undefined);
      reject(err);
    };
    const onClose = (code: number): void => {
      cleanup();
      reject(new Error(`connection closed before the WebSocket upgrade (${code})`));
    };
    ws.once('open', onOpen);
    ws.once('error', onError);
    ws.once('close', onClose);
  });
}

/** Fills a WebSocket frame mask with zeros (see the TLS dial options). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}
