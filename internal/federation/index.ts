/** Federation: hubs and hub clients over (mutual-TLS) WebSockets, wire-compatible with the Go original. */
export type { FederationContext } from './federation-context.js';
export { Hub, CLOSE_REPLACED, type AllowedPeer, type HubOptions } from './hub.js';
export { HubClient, type HubClientOptions, type HubClientState, type HubRef } from './hub-client.js';
export type { ConnectionState, ConnectionStatus, ReconnectPolicy } from './reconnector.js';
export { ChannelFilter, type ChannelSet } from './policy.js';
export { sweepStaleCursors, type SweepOptions } from './ttl-sweep.js';
export {
  rememberRecentIds,
  recentTailBytes,
  type RecentIdsOptions,
  type RecentIdsResult,
} from './recent-ids.js';
export type { Session } from './session.js';
export type { LinkTraffic } from './link.js';
export { EphemeralClient, type EphemeralClientOptions, type EphemeralStats } from './ephemeral-client.js';
/** The connection state of an ephemeral client: the one {@link ConnectionState} of every hub client. */
export type { ConnectionState as EphemeralState } from './reconnector.js';
/** A status change of an ephemeral client: the one {@link ConnectionStatus} of every hub client. */
export type { ConnectionStatus as EphemeralStatus } from './reconnector.js';
