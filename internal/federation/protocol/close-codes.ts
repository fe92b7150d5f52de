/**
 * WebSocket close codes of the federation protocol.
 */

/** Close code a hub sends when the peer is not in its allowlist; the only custom code Go uses. */
export const CLOSE_NOT_IN_ALLOWLIST = 4403;

/** Close reason sent with {@link CLOSE_NOT_IN_ALLOWLIST}. */
export const CLOSE_REASON_NOT_IN_ALLOWLIST = 'not in allowlist';
