/**
 * Repair of a torn tail: a file of newline-terminated lines cut back to its last newline, as a crash
 * or a failed write that could not be undone can leave half a line at its end.
 */
import fsp, { type FileHandle } from 'node:fs/promises';
import type { Logger } from '../logger/index.js';

/**
 * Cuts `file` back to its last newline (a crash can leave half a line at the end) and logs what was
 * removed. Returns the size after repair.
 */
export async function repairTornTail(file: string, logger: Logger): Promise<number> {
  const fh = await fsp.open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const keep = await wholeLinesLength(fh, size);
    if (keep < size) await truncateTail(fh, file, keep, size, logger);
    return keep;
  } finally {
    await fh.close();
  }
}

/**
 * The length of `file` up to its last newline, without changing it: what a read-only open reads
 * (half a line at the end is left where it is, unread).
 */
export async function wholeLinesSize(file: string): Promise<number> {
  const fh = await fsp.open(file, 'r');
  try {
    return await wholeLinesLength(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** The offset just past the last newline among the first `size` bytes of `fh` (0 when none). */
async function wholeLinesLength(fh: FileHandle, size: number): Promise<number> {
  let position = size;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  while (position > 0) {
    const length = Math.min(chunk.length, position);
    position -= length;
    const { bytesRead } = await fh.read(chunk, 0, length, position);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(10);
    if (newline >= 0) return position + newline + 1;
  }
  return 0;
}

async function truncateTail(
  fh: FileHandle,
  file: string,
  keep: number,
  size: number,
  logger: Logger,
): Promise<void> {
  await fh.truncate(keep);
  await fh.datasync();
  logger.warn(
    { path: file, bytes_removed: size - keep },
    'repaired torn tail: removed a partial line left by a crash or a failed write',
  );
}
