/** Federation: hubs and hub clients over (mutual-TLS) WebSockets, wire-compatible with the Go original. */
export type { FederationContext } from './context.js';
export { Hub, CLOSE_REPLACED, type AllowedPeer, type HubOptions } from './hub.js';
export {
  HubClient,
  type HubClientOptions,
  type HubClientState,
  type HubRef,
  type ReconnectPolicy,
} from './hub-client.js';
export { ChannelFilter, type ChannelSet } from './policy.js';
export { sweepStaleCursors } from './ttl-sweep.js';
export {
  rememberRecentIds,
  recentTailBytes,
  type RecentIdsOptions,
  type RecentIdsResult,
} from './recent-ids.js';
export { SUSPECT_DIALS_BEFORE_REFUSAL } from './hub-refusal.js';
export type { Session } from './session.js';
export type { LinkTraffic } from './link.js';
export {
  EphemeralClient,
  type EphemeralClientOptions,
  type EphemeralState,
  type EphemeralStats,
  type EphemeralStatus,
} from './ephemeral-client.js';
