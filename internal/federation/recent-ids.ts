/**
 * The dedup set rebuilt at start from the channels' tails: a frame a peer sent, that was stored and
 * whose ack never reached the peer (the process died in between), comes again once the peer
 * reconnects, and must be recognised as a duplicate although the set lived only in memory.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { idOfLine, LineMentions } from '../envelope/index.js';
import type { SeenIds } from '../dedup/index.js';
import type { Logger } from '../logger/index.js';
import { isDeadLetterChannel } from '../naming/index.js';
import { listSegments, type Segment } from '../storage/index.js';
import { allows, type ChannelSet } from './policy.js';
import { FRAME_TARGET_BYTES, IN_FLIGHT_BYTES } from './protocol/index.js';

/**
 * Bytes read back from the end of each channel: twice what one peer can have sent and not had
 * acknowledged on one channel (a window of {@link IN_FLIGHT_BYTES} past a frame that may hold one
 * record of `maxBatchBytes`, or a Go peer's one batch, which may overshoot `maxBatchBytes` by one
 * record), so the route entries added to stored lines and a second peer fit too.
 */
export function recentTailBytes(maxBatchBytes: number): number {
  return 2 * (IN_FLIGHT_BYTES + 2 * Math.max(maxBatchBytes, FRAME_TARGET_BYTES));
}

/** Settings of {@link rememberRecentIds}. */
export interface RecentIdsOptions {
  /** The data dir's `channels/` folder. */
  channelsDir: string;
  /** The channels federation may write (`undefined`: any); dead-letter channels are never read. */
  channels: ChannelSet;
  /** Bytes read back from the end of each channel ({@link recentTailBytes}). */
  tailBytes: number;
  seen: SeenIds;
  logger: Logger;
}

/** What {@link rememberRecentIds} did. */
export interface RecentIdsResult {
  channels: number;
  ids: number;
  bytes: number;
}

/** A route marks a line stored from a peer (local publishes have none); a false match is harmless. */
const ROUTES = new LineMentions();
const NEWLINE = 0x0a;

/**
 * Marks as seen the id of every line stored from a peer in the last `tailBytes` of each channel
 * federation may write, oldest first. A channel that cannot be read is logged and passed over: a
 * restart never fails for it.
 */
export async function rememberRecentIds(opts: RecentIdsOptions): Promise<RecentIdsResult> {
  const result: RecentIdsResult = { channels: 0, ids: 0, bytes: 0 };
  let entries;
  try {
    entries = await fsp.readdir(opts.channelsDir, { withFileTypes: true });
  } catch (err) {
    opts.logger.warn({ err, dir: opts.channelsDir }, 'cannot list channels to rebuild the dedup set');
    return result;
  }
  for (const entry of entries) {
    const channel = entry.name;
    if (!entry.isDirectory() || isDeadLetterChannel(channel) || !allows(opts.channels, channel)) continue;
    try {
      const tail = await readTail(await listSegments(path.join(opts.channelsDir, channel)), opts.tailBytes);
      result.channels++;
      result.bytes += tail.length;
      result.ids += markStoredIds(tail, opts.seen);
    } catch (err) {
      opts.logger.warn({ err, channel }, 'cannot read a channel tail to rebuild the dedup set; skipped');
    }
  }
  return result;
}

/** The whole lines among the last `maxBytes` of `segments`, oldest first. */
async function readTail(segments: readonly Segment[], maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let left = maxBytes;
  for (let i = segments.length - 1; i >= 0 && left > 0; i--) {
    const fh = await fsp.open(segments[i]?.path ?? '', 'r');
    try {
      const { size } = await fh.stat();
      const length = Math.min(size, left);
      left -= length;
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, size - length);
      // Drop the line the read starts inside of (when it starts inside the segment) and a torn last line.
      const firstEnd = buf.indexOf(NEWLINE);
      const from = length === size ? 0 : firstEnd < 0 ? bytesRead : firstEnd + 1;
      const to = buf.lastIndexOf(NEWLINE, bytesRead - 1) + 1;
      parts.unshift(buf.subarray(from, Math.max(from, to)));
    } finally {
      await fh.close();
    }
  }
  return Buffer.concat(parts);
}

/** Marks the id of every line in `lines` that has a route; returns how many. */
function markStoredIds(lines: Buffer, seen: SeenIds): number {
  let marked = 0;
  for (let at = ROUTES.firstIn(lines); at >= 0;) {
    const start = lines.lastIndexOf(NEWLINE, at) + 1;
    const newline = lines.indexOf(NEWLINE, at);
    const end = newline < 0 ? lines.length : newline;
    const id = idOfLine(lines, start, end);
    if (id !== undefined) {
      seen.seenOrAdd(id);
      marked++;
    }
    at = ROUTES.firstIn(lines, end);
  }
  return marked;
}
