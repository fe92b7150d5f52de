/**
 * Bad HTTP before the WebSocket upgrade on a hub's listener (garbage, a malformed or oversized request
 * head, a request not complete in time): answered as Node would (400, 431 or 408), closed, and
 * audited `protocol_error` with the peer's address. A reset by the peer is not audited.
 */
import type http from 'node:http';
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
      const remote = remoteOf(socket);
      sink.logger.warn({ remote, code }, 'federation listener: bad HTTP before the upgrade; closed');
      sink.audit.log({
        event: AuditEvent.PROTOCOL_ERROR,
        peer_addr: remote,
        detail: `http ${code}: ${err.message}`,
      });
    }
    if (socket.writable && socket.bytesWritten === 0) {
      const status = RESPONSES[code] ?? '400 Bad Request';
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  });
}
