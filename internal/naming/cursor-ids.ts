/**
 * The ids of federation cursors, which share the offset files of `subscribers/<channel>/` with local
 * subscribers: `fed-<peer>` is what a hub has sent peer `peer` over its durable link, and
 * `fedout-<hub>` what this instance has sent to the hub at `<hub>` (its address). These prefixes are
 * spelled here only; local subscriber ids may not use them.
 */

const FEDERATION_IN = 'fed-';
const FEDERATION_OUT = 'fedout-';

/** The prefixes reserved for federation cursors, for messages. */
export const FEDERATION_CURSOR_PREFIXES: readonly string[] = [FEDERATION_IN, FEDERATION_OUT];

/** Federation cursor ids: build them, recognise them, and find the peer in a hub's one. */
export const cursorIds = {
  /** The id of a hub's cursor that sends to peer `peer` (`fed-<peer>`); its waiting list shares the stem. */
  federationIn: (peer: string): string => FEDERATION_IN + peer,
  /** The id of this instance's cursor that sends to the hub at `hubAddr` (`fedout-<hubAddr>`). */
  federationOut: (hubAddr: string): string => FEDERATION_OUT + hubAddr,
  /** True for the id (or offset file stem) of either kind of federation cursor. */
  isFederation: (id: string): boolean => id.startsWith(FEDERATION_IN) || id.startsWith(FEDERATION_OUT),
  /** The peer of a `fed-<peer>` id or file stem, or undefined for any other id. */
  peerOf: (id: string): string | undefined =>
    id.startsWith(FEDERATION_IN) ? id.slice(FEDERATION_IN.length) : undefined,
} as const;
