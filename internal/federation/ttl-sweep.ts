/**
 * The TTL sweep: deletes hub → peer cursors (`fed-<peer>.offset`) whose peer has not been connected
 * and whose file has not changed for longer than `hub.fed_client_offset_ttl`, so a peer that is gone
 * for good stops holding back compaction.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger/index.js';
import { sanitizeFileComponent } from '../naming/index.js';
import type { FederationContext } from './context.js';

const PREFIX = 'fed-';
const SUFFIX = '.offset';

/** One pass of the sweep; returns the files removed. Connected peers' cursors are never removed. */
export async function sweepStaleCursors(
  ctx: FederationContext,
  ttlMs: number,
  connected: ReadonlySet<string>,
  logger: Logger,
): Promise<string[]> {
  const root = path.join(ctx.storage.options.dataDir, 'subscribers');
  const protectedNames = new Set(
    [...connected].map((peer) => `${PREFIX}${sanitizeFileComponent(peer)}${SUFFIX}`),
  );
  const removed: string[] = [];
  const now = ctx.clock.now();
  for (const channel of await fsp.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, channel);
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || protectedNames.has(name)) continue;
      const file = path.join(dir, name);
      const stat = await fsp.stat(file).catch(() => undefined);
      if (stat === undefined || now - stat.mtimeMs <= ttlMs) continue;
      await fsp.rm(file, { force: true });
      removed.push(file);
      logger.info(
        { peer: name.slice(PREFIX.length, -SUFFIX.length), channel, age_ms: Math.round(now - stat.mtimeMs) },
        'federation TTL sweep removed stale offset',
      );
    }
  }
  return removed;
}
