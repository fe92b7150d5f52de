import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { writeCertificateFiles } from '../../internal/tlsutil/index.js';

const PEMS = { certPem: 'new cert\n', keyPem: 'new key\n' };

describe('writeCertificateFiles', () => {
  let dir: string;
  let files: { certFile: string; keyFile: string };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyop-files-'));
    files = { certFile: join(dir, 'a.crt'), keyFile: join(dir, 'a.key') };
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes neither file when one exists, without force', async () => {
    await writeFile(files.certFile, 'old cert\n');
    const err: unknown = await writeCertificateFiles({ ...files, force: false }, PEMS).catch(
      (e: unknown) => e,
    );
    expect(hasErrorCode(err, ErrorCode.CERTIFICATE)).toBe(true);
    expect(await readdir(dir)).toEqual(['a.crt']);
    expect(await readFile(files.certFile, 'utf8')).toBe('old cert\n');
  });

  it('with force, replaces both and gives the key mode 0600 whatever the old mode was', async () => {
    await writeFile(files.keyFile, 'old key\n');
    await chmod(files.keyFile, 0o644);
    await writeCertificateFiles({ ...files, force: true }, PEMS);
    expect(await readFile(files.keyFile, 'utf8')).toBe('new key\n');
    expect(await readFile(files.certFile, 'utf8')).toBe('new cert\n');
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['a.crt', 'a.key']);
  });
});
