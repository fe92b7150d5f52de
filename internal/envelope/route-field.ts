/**
 * A line's route field measured and taken out: records are judged by size without the entries
 * relays add, and a peer that knows no route (Go) can be sent a line without one.
 */
import { encodeHeaderFields } from './encoder.js';
import { parseEnvelope } from './envelope.js';
import { ROUTE_KEY } from './format.js';
import { scanLine } from './scan.js';

/**
 * The bytes the field `,"route":[…]` takes in a compact line for `route` (0 without a route), so a
 * record can be measured without the entries relays add to it.
 */
export function routeFieldBytes(route: readonly string[] | undefined): number {
  if (route === undefined || route.length === 0) return 0;
  return ROUTE_KEY.length + Buffer.byteLength(JSON.stringify(route));
}

/**
 * `line` without its route field: cut out of a line of the canonical shape (nothing else changes),
 * re-encoded from the parsed envelope otherwise; `line` itself when it has no route.
 *
 * @throws MessengerError `ERR_INVALID_RECORD` when `line` is not a valid envelope.
 */
export function withoutRouteField(line: string): string {
  const view = scanLine(line);
  if (view !== undefined) {
    if (view.route === undefined) return line;
    // The route ends just before the payload key, and its entries hold no quotes in a scanned line,
    // so the last `,"route":[` before its `]` is the key.
    const routeEnd = view.routeInsertAt + 1;
    return `${line.slice(0, line.lastIndexOf(`${ROUTE_KEY}[`, routeEnd))}${line.slice(routeEnd)}`;
  }
  const { route, payload, ...header } = parseEnvelope(line);
  if (route === undefined) return line;
  return encodeHeaderFields(header, JSON.stringify(payload));
}
