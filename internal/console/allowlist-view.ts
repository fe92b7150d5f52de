/** The federation policies of this instance as the console shows them. */

/** One allowlist entry or hub link with its channel patterns. */
interface Policy {
  readonly subscribe: readonly string[];
  readonly publish: readonly string[];
}

/** What {@link allowlistRows} reads: the hub's allowlist (as reloaded) and the configured hubs. */
export interface PolicySource {
  /** Undefined when the hub is not enabled. */
  readonly allowedPeers: readonly ({ readonly name: string } & Policy)[] | undefined;
  readonly hubs: readonly ({ readonly addr: string } & Policy)[];
}

/** One policy row: who, which way, and what each empty list means there. */
export interface AllowlistRow {
  /** `peer` (may connect to this hub) or `hub` (this instance dials it). */
  readonly kind: 'peer' | 'hub';
  readonly name: string;
  readonly subscribe: string;
  readonly publish: string;
}

/**
 * Policy rows, peers then hubs. An empty list reads as what it does (§8.3): a peer's empty
 * `subscribe` is "whatever it requests" and its empty `publish` "any channel"; a hub link's empty
 * `publish` sends nothing and its empty `subscribe` receives nothing.
 */
export function allowlistRows(source: PolicySource): {
  hubEnabled: boolean;
  open: boolean;
  rows: AllowlistRow[];
} {
  const list = (patterns: readonly string[], empty: string): string =>
    patterns.length === 0 ? empty : patterns.join(', ');
  const peers = (source.allowedPeers ?? []).map((peer) => ({
    kind: 'peer' as const,
    name: peer.name,
    subscribe: list(peer.subscribe, 'whatever it requests'),
    publish: list(peer.publish, 'any channel'),
  }));
  const hubs = source.hubs.map((hub) => ({
    kind: 'hub' as const,
    name: hub.addr,
    subscribe: list(hub.subscribe, 'nothing'),
    publish: list(hub.publish, 'nothing'),
  }));
  return {
    hubEnabled: source.allowedPeers !== undefined,
    open: source.allowedPeers !== undefined && source.allowedPeers.length === 0,
    rows: [...peers, ...hubs],
  };
}
