/**
 * Records of a stream's own channel that the stream did not write: messages published with the
 * library or received through federation on the same channel, and lines that cannot be read. A
 * stream's deletion must never drop them.
 */
import type { ChannelLog } from '../storage/index.js';
import type { LineScanner } from './message-records.js';

/** Channel bytes read per step while counting. */
const COUNT_CHUNK_BYTES = 1 << 20;

/**
 * Counts the records of `log` in `[from, to)` (from the log's start at the earliest) that are not in
 * the layout the streams layer writes for this channel and origin. Bytes a read skips (torn,
 * oversized) count as one such record each: what cannot be read cannot be shown to be the stream's.
 */
export async function countForeignRecords(
  log: ChannelLog,
  scanner: LineScanner,
  from: number,
  to: number,
): Promise<number> {
  let foreign = 0;
  let pos = Math.max(from, log.start);
  while (pos < to) {
    const read = await log.read(pos, Math.min(COUNT_CHUNK_BYTES, to - pos));
    if (read.skipped !== undefined && read.skipped.reason !== 'gap') foreign++;
    if (read.data.length === 0 && read.next <= pos) break;
    const text = read.data.toString('latin1');
    let lineStart = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', lineStart)) {
      if (!scanner.isOwn(text, lineStart, newline)) foreign++;
      lineStart = newline + 1;
    }
    pos = read.next;
  }
  return foreign;
}
