/**
 * What a receiver checks of an inbound record beyond its JSON types: well-formed fields, and a
 * route the sending peer can vouch for.
 */
import { isCanonicalUuid, isRfc3339Time } from '../envelope/index.js';

/** The fields {@link malformedField} checks. */
export interface CheckedFields {
  readonly id: string;
  readonly ts: string;
  readonly origin: string;
}

/**
 * Why a record's fields are malformed, or undefined when they are well-formed: the id must be a
 * UUID in canonical lowercase form (dedup relies on one spelling per id), the time an RFC 3339 time,
 * the origin non-empty.
 */
export function malformedField({ id, ts, origin }: CheckedFields): string | undefined {
  if (!isCanonicalUuid(id)) return `id ${JSON.stringify(id.slice(0, 64))} is not a canonical UUID`;
  if (!isRfc3339Time(ts)) return `ts ${JSON.stringify(ts.slice(0, 64))} is not an RFC 3339 time`;
  if (origin === '') return 'origin is empty';
  return undefined;
}

/**
 * Why `peer` cannot have sent a record with `route`, or undefined when it can. A route lists the
 * instances that stored the record, in order, and the sender stored it last, so a route must end
 * with the sending peer; a peer cannot claim that others stored it after itself (which would hide
 * the record from them). A record without a route is accepted from any peer: either the peer is its
 * origin, or a Go peer (which drops routes) relays it, and then the receiver records the peer on the
 * route.
 */
export function routeClaimProblem(route: readonly string[] | undefined, peer: string): string | undefined {
  if (route === undefined) return undefined;
  const last = route[route.length - 1];
  if (last === peer) return undefined;
  return `route ${JSON.stringify(route).slice(0, 200)} does not end with the sending peer ${JSON.stringify(peer)}`;
}
