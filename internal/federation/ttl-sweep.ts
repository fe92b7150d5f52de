/**
 * The TTL sweep: deletes hub → peer cursors (`fed-<peer>` offset files) and waiting lists whose peer
 * has not been connected and whose file has not changed for longer than `hub.fed_client_offset_ttl`,
 * so a peer that is gone for good stops holding back compaction. It finds them through the offset store
 * and the waiting lists, and the peer in an id through `cursorIds`.
 */
import type { Clock } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import { cursorIds } from '../naming/index.js';
import type { OffsetStore } from '../storage/index.js';
import type { WaitingChannels } from './waiting-channels.js';

/** What one pass of the sweep works on. */
export interface SweepOptions {
  readonly offsets: OffsetStore;
  readonly waitingLists: WaitingChannels;
  readonly ttlMs: number;
  readonly clock: Clock;
  /**
   * Whether the peer of a file (its file-name form) is connected now. Asked right before each
   * removal, not once per pass: a peer may connect while the pass lists files, and its cursor must
   * not be removed under the sender that has just read it.
   */
  isConnected(filePeer: string): boolean;
  readonly logger: Logger;
}

/** One pass of the sweep; returns the files removed. Connected peers' cursors are never removed. */
export async function sweepStaleCursors(opts: SweepOptions): Promise<string[]> {
  const { offsets, waitingLists, ttlMs, logger } = opts;
  const removed: string[] = [];
  const now = opts.clock.now();
  /** Whether a file of `peer` last changed at `modifiedMs` is stale. */
  const stale = (peer: string, modifiedMs: number | undefined): modifiedMs is number =>
    modifiedMs !== undefined && now - modifiedMs > ttlMs && !opts.isConnected(peer);

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
