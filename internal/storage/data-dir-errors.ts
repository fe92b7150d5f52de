/**
 * Errors that say why a data dir cannot be used, naming the path and the real cause: Node's own
 * messages leave the path out of write errors (`ENOSPC … write`), and a recursive mkdir can report
 * a missing parent where the parent could not be created.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';

/** Causes in plain words, by errno code. */
const CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied (the folder is not writable by this user)',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file is in the way of a folder',
  ENAMETOOLONG: 'the path is too long',
  ENOENT: 'a parent folder is missing',
};

/**
 * The `ERR_DATA_DIR_UNUSABLE` error for `err`, raised while doing `action` on `target` in `dataDir`.
 * An error that already is a {@link MessengerError} is returned as it is.
 */
export function dataDirError(dataDir: string, action: string, target: string, err: unknown): MessengerError {
  if (err instanceof MessengerError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const cause = (code === undefined ? undefined : CAUSES[code]) ?? errorMessage(err);
  return new MessengerError(
    ErrorCode.DATA_DIR_UNUSABLE,
    `data dir ${dataDir} cannot be used: ${action} ${target} failed: ${cause}${code === undefined ? '' : ` (${code})`}`,
    { cause: err },
  );
}

/**
 * Creates `sub` folders of `dataDir` (and `dataDir` itself). On failure throws
 * `ERR_DATA_DIR_UNUSABLE` naming the first path that could not be created and why, found by creating
 * the missing folders one at a time.
 */
export async function createDataDirFolders(dataDir: string, subs: readonly string[]): Promise<void> {
  for (const sub of subs) {
    const target = path.join(dataDir, sub);
    try {
      await fsp.mkdir(target, { recursive: true });
    } catch (err) {
      const { at, error } = await firstFailingFolder(target, err);
      throw dataDirError(dataDir, 'creating the folder', at, error);
    }
  }
}

/** The first folder on the way to `target` that cannot be created, with the error that says why. */
async function firstFailingFolder(
  target: string,
  fallback: unknown,
): Promise<{ at: string; error: unknown }> {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter((part) => part !== '');
  let at = path.parse(absolute).root;
  for (const part of parts) {
    at = path.join(at, part);
    try {
      await fsp.mkdir(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return { at, error: err };
      if (!(await fsp.stat(at)).isDirectory()) return { at, error: err };
    }
  }
  return { at: target, error: fallback };
}
