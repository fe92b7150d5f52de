/**
 * The TTL sweep: deletes hub → peer cursors (`fed-<peer>` offset files) and waiting lists whose peer
 * has not been connected and whose file has not changed for longer than `hub.fed_client_offset_ttl`,
 * so a peer that is gone for good stops holding back compaction. It finds them through the offset store
 * and the waiting lists, and the peer in an id through `cursorIds`.
 */
import type { Logger } from '../logger/index.js';
import { cursorIds, sanitizeFileComponent } from '../naming/index.js';
import type { FederationContext } from './federation-context.js';
import type { WaitingChannels } from './waiting-channels.js';

/** One pass of the sweep; returns the files removed. Connected peers' cursors are never removed. */
export async function sweepStaleCursors(
  ctx: FederationContext,
  waitingLists: WaitingChannels,
  ttlMs: number,
  connected: ReadonlySet<string>,
  logger: Logger,
): Promise<string[]> {
  const offsets = ctx.storage.offsets;
  const connectedFiles = new Set([...connected].map((peer) => sanitizeFileComponent(peer)));
  const removed: string[] = [];
  const now = ctx.clock.now();
  /** Whether a file of `peer` last changed at `modifiedMs` is stale. */
  const stale = (peer: string, modifiedMs: number | undefined): modifiedMs is number =>
    !connectedFiles.has(peer) && modifiedMs !== undefined && now - modifiedMs > ttlMs;

  for (const { peer, modifiedMs } of await waitingLists.listAll()) {
    if (!stale(peer, modifiedMs)) continue;
    await waitingLists.remove(peer);
    removed.push(waitingLists.pathOf(peer));
    logger.info(
      { peer, age_ms: Math.round(now - modifiedMs) },
      'federation TTL sweep removed stale waiting list',
    );
  }
  for (const { channel, id } of await offsets.listAll()) {
    const peer = cursorIds.peerOf(id);
    if (peer === undefined) continue;
    const modifiedMs = await offsets.modifiedAt(channel, id);
    if (!stale(peer, modifiedMs)) continue;
    await offsets.remove(channel, id);
    removed.push(offsets.pathOf(channel, id));
    logger.info(
      { peer, channel, age_ms: Math.round(now - modifiedMs) },
      'federation TTL sweep removed stale offset',
    );
  }
  return removed;
}
