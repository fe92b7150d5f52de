import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDirError } from '../../internal/storage/index.js';
import { Messenger } from '../../src/index.js';
import { exited, requireBuild, stdoutLines } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

const NOBODY = 65_534;

/**
 * Runs the open-data-dir fixture as a user for whom `0555` means read-only: this user, or `nobody`
 * when the tests run as root (root writes through any mode).
 */
function openAsUnprivileged(dataDir: string): ChildProcessWithoutNullStreams {
  requireBuild();
  const fixture = path.resolve(import.meta.dirname, '../fixtures/open-data-dir.mjs');
  const node = [process.execPath, fixture, dataDir];
  if (process.getuid?.() !== 0) return spawn(node[0]!, node.slice(1));
  return spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node]);
}

describe('data dir errors', () => {
  it('names the folder and says it is read-only for this user (EACCES), not a missing folder', async () => {
    const root = tempDir();
    fs.chmodSync(root, 0o755);
    const readOnly = path.join(root, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
    const dataDir = path.join(readOnly, 'data');
    const child = openAsUnprivileged(dataDir);
    const lines = stdoutLines(child);
    await exited(child);
    expect(lines[0]).toBe(
      `ERR_DATA_DIR_UNUSABLE: data dir ${dataDir} cannot be used: creating the folder ${dataDir} failed: permission denied (the folder is not writable by this user) (EACCES)`,
    );
  });

  it('names the file that stands where a folder of the data dir should be', async () => {
    const root = tempDir();
    const file = path.join(root, 'not-a-folder');
    fs.writeFileSync(file, '');
    const dataDir = path.join(file, 'data');
    const opening = Messenger.open({ storage: { dataDir } });
    await expect(opening).rejects.toMatchObject({ code: 'ERR_DATA_DIR_UNUSABLE' });
    await expect(opening).rejects.toThrow(
      `data dir ${dataDir} cannot be used: creating the folder ${file} failed: a file is in the way of a folder (EEXIST)`,
    );
  });

  it('names the path and the cause of a write error that carries neither (a full disk)', () => {
    let full: unknown;
    try {
      fs.writeFileSync('/dev/full', 'x');
    } catch (err) {
      full = err;
    }
    expect(full).toMatchObject({ code: 'ENOSPC' });
    expect((full as Error).message).not.toContain('/dev/full');
    const err = dataDirError('/srv/data', 'writing the lock file', '/srv/data/LOCK', full);
    expect(err.code).toBe('ERR_DATA_DIR_UNUSABLE');
    expect(err.message).toBe(
      'data dir /srv/data cannot be used: writing the lock file /srv/data/LOCK failed: no space left on the device (ENOSPC)',
    );
    expect(err.cause).toBe(full);
  });
});
