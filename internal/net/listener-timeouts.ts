/**
 * Time limits of a listener before a request is under way, so that a connection that never
 * completes its TLS handshake, never sends its request head, or never finishes its body is closed
 * instead of held: Node's defaults are 120 s, 60 s and 300 s, checked only every 30 s.
 */

/** Limits of one listener, in milliseconds. */
export interface ListenerTimeouts {
  /** From TCP accept to a completed TLS handshake (TLS listeners only). */
  readonly tlsHandshakeMs: number;
  /** From the connection (or the previous response) to the end of the request head. */
  readonly headersMs: number;
  /** From the start of a request to the end of its body; at least `headersMs`. */
  readonly requestMs: number;
}

/** The server options that enforce `timeouts` (for `http.createServer` and `https.createServer`). */
export function listenerTimeoutOptions(timeouts: ListenerTimeouts): {
  handshakeTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  const headersTimeout = Math.max(1, timeouts.headersMs);
  return {
    handshakeTimeout: Math.max(1, timeouts.tlsHandshakeMs),
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, timeouts.requestMs),
    // Node checks the header and request limits on this period: a tenth of the shortest, at most 1 s.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 10))),
  };
}
