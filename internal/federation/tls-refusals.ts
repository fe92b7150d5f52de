/**
 * Connections a hub refuses below the federation protocol (at the TLS layer or for their certificate's
 * subject): each is logged and audited `tls_refused` with the peer's address and the reason.
 */
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AuditEvent, type AuditLog } from '../audit/index.js';
import type { Logger } from '../logger/index.js';

/** Where refusals are reported. */
export interface TlsRefusalSink {
  audit: AuditLog;
  logger: Logger;
}

/** Logs and audits one refused connection (the caller, or TLS, closes it). */
export function refuseTls(sink: TlsRefusalSink, remote: string, reason: string): void {
  sink.logger.warn({ remote, reason }, 'federation TLS connection refused');
  sink.audit.log({ event: AuditEvent.TLS_REFUSED, peer_addr: remote, detail: reason });
}

/**
 * Reports every TLS-level refusal of `server`, which must be created with `requestCert: true` and
 * `rejectUnauthorized: false`: Node destroys a socket whose client certificate fails verification
 * without any event, so the check is done here, in a `secureConnection` listener placed before the
 * HTTP parser (an unverified client never gets a request read). Handshake failures (no certificate
 * with TLS alerts, a refused version, not TLS, a handshake timeout) come as `tlsClientError`, handled
 * before `https`'s own listener, which destroys the socket and forgets its address.
 */
export function guardTlsRefusals(server: https.Server, sink: TlsRefusalSink): void {
  server.prependListener('tlsClientError', (err: Error, socket: TLSSocket) => {
    refuseTls(sink, remoteOf(socket), tlsRefusalReason(err));
  });
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized) return;
    const none = Object.keys(socket.getPeerCertificate()).length === 0;
    refuseTls(
      sink,
      remoteOf(socket),
      none
        ? 'no client certificate'
        : `client certificate not verified: ${String(socket.authorizationError)}`,
    );
    socket.destroy();
  });
}

/** `host:port` of the far end of `socket`. */
export function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

/** Why the TLS layer refused a connection, from its `tlsClientError` (OpenSSL's short reason when it has one). */
function tlsRefusalReason(err: Error): string {
  const { code, reason } = err as { code?: unknown; reason?: unknown };
  const what = typeof reason === 'string' ? reason : err.message;
  return typeof code === 'string' ? `${code}: ${what}` : what;
}
