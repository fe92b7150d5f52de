/**
 * Rotation of the audit file: `audit.jsonl` → `audit.jsonl.1` → … → `audit.jsonl.{maxFiles}`.
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Shifts `path.N` to `path.N+1` for N = maxFiles-1 … 1, moves `path` to `path.1`, and removes any
 * `path.N` with N > maxFiles (the oldest, or leftovers from a larger earlier setting). `path` must not be
 * open for writing.
 */
export async function rotateFiles(path: string, maxFiles: number): Promise<void> {
  for (let n = maxFiles - 1; n >= 1; n--) await renameIfPresent(`${path}.${n}`, `${path}.${n + 1}`);
  await rename(path, `${path}.1`);
  await removeBeyond(path, maxFiles);
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function removeBeyond(path: string, maxFiles: number): Promise<void> {
  const prefix = `${basename(path)}.`;
  const dir = dirname(path);
  for (const name of await readdir(dir)) {
    const suffix = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (/^[1-9]\d*$/.test(suffix) && Number(suffix) > maxFiles) await rm(join(dir, name), { force: true });
  }
}
