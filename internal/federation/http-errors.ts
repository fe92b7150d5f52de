/**
 * Bad HTTP before the WebSocket upgrade on a hub's listener (garbage, a malformed or oversized request
 * head, a request not complete in time, an upgrade request `ws` refuses): answered as Node or `ws`
 * would (400, 431 or 408), closed, and audited `protocol_error` with the peer's address. A reset by
 * the peer is not audited.
 */
import type http from 'node:http';
import type { WebSocketServer } from 'ws';
import type { Socket } from 'node:net';
import { AuditEvent } from '../audit/index.js';
import { remoteOf, type TlsRefusalSink } from './tls-refusals.js';

const RESPONSES: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** Handles `server`'s `clientError`s (see the module comment). */
export function guardHttpErrors(server: http.Server, sink: TlsRefusalSink): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    const code = err.code ?? 'unknown';
    if (code !== 'ECONNRESET') {
      report(sink, remoteOf(socket), `http ${code}: ${err.message}`);
    }
    if (socket.writable && socket.bytesWritten === 0) {
      const status = RESPONSES[code] ?? '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
}

/** Handles the upgrade requests `wss` refuses (bad key, version or extension header): 400, audited. */
export function guardUpgradeErrors(wss: WebSocketServer, sink: TlsRefusalSink): void {
  wss.on('wsClientError', (err: Error, socket: Socket) => {
    report(sink, remoteOf(socket), `upgrade: ${err.message}`);
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n`);
  });
}

function report(sink: TlsRefusalSink, remote: string, detail: string): void {
  sink.logger.warn({ remote, detail }, 'federation listener: bad HTTP before the upgrade; closed');
  sink.audit.log({ event: AuditEvent.PROTOCOL_ERROR, peer_addr: remote, detail });
}
