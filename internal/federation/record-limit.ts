/**
 * Record sizes across a link: a record is judged without its route field (the entries relays add),
 * so a record a hub accepted at exactly `max_batch_bytes` is still relayed after its name joined the
 * route; a Go peer, which judges a record whole and knows no route, is sent the line without one.
 */
import { headerOf, routeFieldBytes, withoutRouteField } from '../envelope/index.js';
import { MAX_ROUTE_BYTES } from './protocol/index.js';

/** What a peer accepts of a record's size. */
export interface PeerRecordLimit {
  /** The largest record sent to the peer (without its route field when `knowsRoute`). */
  readonly maxBytes: number;
  /**
   * The peer announced its `max_batch_bytes` (an instance of this port): it measures records
   * without their route field and keeps routes. False for a Go peer: it measures the line whole
   * and drops the route.
   */
  readonly knowsRoute: boolean;
}

/**
 * The limit for records sent to a peer that announced `announced` (undefined: a Go peer, assumed
 * to accept what this instance accepts, `own`, as a federation configured alike does). Never more
 * than `own`: frames stay within what this instance is sized for.
 */
export function peerRecordLimit(own: number, announced: number | undefined): PeerRecordLimit {
  return { maxBytes: Math.min(own, announced ?? own), knowsRoute: announced !== undefined };
}

/** Whether a received record of `size` bytes whose route is `route` is within `maxBatchBytes`. */
export function receivedRecordFits(
  size: number,
  route: readonly string[] | undefined,
  maxBatchBytes: number,
): boolean {
  const routeBytes = routeFieldBytes(route);
  return size - routeBytes <= maxBatchBytes && routeBytes <= MAX_ROUTE_BYTES;
}

/**
 * The bytes to send the peer for a stored line (without its newline) longer than
 * `limit.maxBytes`: the line itself for a peer of this port when it fits without its route, the
 * line without its route for a Go peer when that fits; undefined when the peer would refuse it.
 */
export function fitOversizedLine(line: Buffer, limit: PeerRecordLimit): Buffer | undefined {
  const text = line.toString('utf8');
  const header = headerOf(text);
  if (header === undefined) return undefined;
  const { route } = header;
  if (limit.knowsRoute) return receivedRecordFits(line.length, route, limit.maxBytes) ? line : undefined;
  if (line.length - routeFieldBytes(route) > limit.maxBytes) return undefined;
  const bare = Buffer.from(withoutRouteField(text));
  return bare.length <= limit.maxBytes ? bare : undefined;
}
