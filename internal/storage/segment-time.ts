/**
 * The time of a sealed segment's newest record: the `ts` of its last line, or the file's modification
 * time when that cannot be read.
 */
import fsp from 'node:fs/promises';
import { TIME_WINDOW_BYTES, timeOfLine } from '../envelope/index.js';

const CHUNK = 64 * 1024;

/** Milliseconds since the epoch of the newest record of the segment file `file` (`size` bytes). */
export async function newestRecordTime(file: string, size: number): Promise<number> {
  const fh = await fsp.open(file, 'r');
  try {
    const lineStart = await lastLineStart(fh, size);
    if (lineStart !== undefined) {
      const head = Buffer.alloc(Math.min(TIME_WINDOW_BYTES, size - lineStart));
      const { bytesRead } = await fh.read(head, 0, head.length, lineStart);
      const ms = timeOfLine(head.subarray(0, bytesRead));
      if (ms !== undefined) return ms;
    }
    return (await fh.stat()).mtimeMs;
  } finally {
    await fh.close();
  }
}

/** Offset of the first byte of the last complete line (the file ends in `\n`), if any. */
async function lastLineStart(fh: fsp.FileHandle, size: number): Promise<number | undefined> {
  if (size === 0) return undefined;
  const buf = Buffer.allocUnsafe(CHUNK);
  // Skip the final newline, then look backwards for the one before the last line.
  let end = size - 1;
  while (end > 0) {
    const from = Math.max(0, end - CHUNK);
    const { bytesRead } = await fh.read(buf, 0, end - from, from);
    const newline = buf.lastIndexOf(10, bytesRead - 1);
    if (newline >= 0) return from + newline + 1;
    end = from;
  }
  return 0;
}
