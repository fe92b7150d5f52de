/**
 * Durable file replacement, the one way small state files are written (offsets, stream metadata,
 * stream subscriptions, the webhook key): write a temporary sibling, fsync it, rename it over the file,
 * fsync the folder. A reader sees the old file or the new one, never half of one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Longest file name most file systems accept, in bytes. */
const MAX_FILE_NAME_BYTES = 255;

/**
 * `stem + suffix`, or `~<32 hex digits of the SHA-256 of stem>` + suffix when that would be longer than
 * a file name may be (`~` never starts a channel name or a sanitised id).
 */
export function fittingFileName(stem: string, suffix: string): string {
  const name = stem + suffix;
  if (Buffer.byteLength(name) <= MAX_FILE_NAME_BYTES) return name;
  return `~${createHash('sha256').update(stem).digest('hex').slice(0, 32)}${suffix}`;
}

/** Options of {@link replaceFileDurably}. */
export interface ReplaceFileOptions {
  /** Mode of the new file (default `0o666` less the umask); `0o600` for a secret. */
  readonly mode?: number;
  /**
   * Fsync the folder after the rename, so the new name survives a crash (default true). Offset files
   * skip it: a lost rename brings back an older offset, which only delivers again (at least once),
   * and it would cost a second journal commit per delivered message.
   */
  readonly syncFolder?: boolean;
}

/**
 * Replaces `file` with `data` durably. The temporary file is `<file>.tmp` (see
 * {@link fittingFileName} for long names) and is removed when a step fails; the error is rethrown.
 */
export async function replaceFileDurably(
  file: string,
  data: string | Uint8Array,
  options: ReplaceFileOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, fittingFileName(path.basename(file), '.tmp'));
  try {
    const fh = await fsp.open(tmp, 'w', options.mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  if (options.syncFolder !== false) syncDirectory(dir);
}

/** Fsyncs a directory so a created, renamed or removed entry survives a crash; best effort. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse directory fsync; the entry is still written
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
