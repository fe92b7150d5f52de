/** Where a federation cursor without a stored offset starts. */
import type { StartPosition } from '../delivery/index.js';
import type { FederationContext } from './federation-context.js';

/**
 * `from`, except that a durable link's first cursor on a retained channel (its history, e.g. a
 * streamkit space) starts at the beginning instead of the end: a peer that arrives after the
 * channel has records, or whose cursor was swept, still gets all of them. A stored offset wins over
 * either (Cursor.open resumes from it).
 */
export async function firstStart(
  ctx: FederationContext,
  channel: string,
  from: StartPosition,
): Promise<StartPosition> {
  return from === 'end' && (await ctx.storage.isRetained(channel)) ? 'beginning' : from;
}
