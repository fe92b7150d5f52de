/**
 * The TTL sweep: deletes hub → peer cursors (`fed-<peer>.offset`) and waiting lists
 * (`fed-<peer>.waiting`) whose peer has not been connected and whose file has not changed for longer
 * than `hub.fed_client_offset_ttl`, so a peer that is gone for good stops holding back compaction.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { LogFields, Logger } from '../logger/index.js';
import { sanitizeFileComponent } from '../naming/index.js';
import type { FederationContext } from './context.js';
import { PEER_FILE_PREFIX as PREFIX, WAITING_SUFFIX } from './waiting-channels.js';

const OFFSET_SUFFIX = '.offset';

/** One pass of the sweep; returns the files removed. Connected peers' cursors are never removed. */
export async function sweepStaleCursors(
  ctx: FederationContext,
  ttlMs: number,
  connected: ReadonlySet<string>,
  logger: Logger,
): Promise<string[]> {
  const root = path.join(ctx.storage.options.dataDir, 'subscribers');
  const connectedFiles = new Set([...connected].map((peer) => sanitizeFileComponent(peer)));
  const removed: string[] = [];
  const now = ctx.clock.now();
  /** Removes `dir/name` when it is a peer's file with `suffix` untouched for longer than the TTL. */
  const sweep = async (dir: string, name: string, suffix: string, what: LogFields): Promise<void> => {
    if (!name.startsWith(PREFIX) || !name.endsWith(suffix)) return;
    const peer = name.slice(PREFIX.length, -suffix.length);
    if (connectedFiles.has(peer)) return;
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat === undefined || !stat.isFile() || now - stat.mtimeMs <= ttlMs) return;
    await fsp.rm(file, { force: true });
    removed.push(file);
    logger.info(
      { peer, ...what, age_ms: Math.round(now - stat.mtimeMs) },
      `federation TTL sweep removed stale ${suffix === OFFSET_SUFFIX ? 'offset' : 'waiting list'}`,
    );
  };
  for (const entry of await fsp.readdir(root).catch(() => [] as string[])) {
    await sweep(root, entry, WAITING_SUFFIX, {});
    const dir = path.join(root, entry);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      await sweep(dir, name, OFFSET_SUFFIX, { channel: entry });
    }
  }
  return removed;
}
