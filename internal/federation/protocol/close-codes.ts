/**
 * WebSocket close codes of the federation protocol.
 */

/** Close code a hub sends when the peer is not in its allowlist; the only custom code Go uses. */
export const CLOSE_NOT_IN_ALLOWLIST = 4403;

/** Close reason sent with {@link CLOSE_NOT_IN_ALLOWLIST}. */
export const CLOSE_REASON_NOT_IN_ALLOWLIST = 'not in allowlist';

/**
 * Close code a hub of this port sends when a handshake subscribes to more channels than
 * `hub.max_subscriptions_per_peer` allows (a Go hub has no limit); the reason gives both numbers.
 */
export const CLOSE_TOO_MANY_SUBSCRIPTIONS = 4429;
