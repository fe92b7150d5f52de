/** Writing a certificate and its key to disk without clobbering anything by accident. */
import { randomBytes } from 'node:crypto';
import { access, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';

/** Where to write, and whether existing files may be replaced. */
export interface CertificateFiles {
  /** Certificate path; written mode 0644 (public). */
  readonly certFile: string;
  /** Private key path; written mode 0600. */
  readonly keyFile: string;
  /** Replace existing files; without it, an existing output aborts before anything is written. */
  readonly force: boolean;
}

/**
 * Writes `keyPem` then `certPem`. Each file is written to a temporary sibling, flushed, and moved into
 * place, so a reader never sees half a file and a replaced key never keeps the old file's mode. Without
 * `force`, both paths are checked first and an existing file is never replaced, even if it appears
 * meanwhile. Throws `ERR_CERTIFICATE`.
 */
export async function writeCertificateFiles(
  files: CertificateFiles,
  pems: { readonly certPem: string; readonly keyPem: string },
): Promise<void> {
  if (files.certFile === files.keyFile) {
    throw new MessengerError(
      ErrorCode.CERTIFICATE,
      `certificate and key would both be written to ${files.certFile}`,
    );
  }
  if (!files.force) {
    for (const path of [files.certFile, files.keyFile]) {
      if (await exists(path)) {
        throw new MessengerError(
          ErrorCode.CERTIFICATE,
          `file ${JSON.stringify(path)} already exists; use --force to overwrite`,
        );
      }
    }
  }
  await writeFileInPlace(files.keyFile, pems.keyPem, 0o600, files.force);
  await writeFileInPlace(files.certFile, pems.certPem, 0o644, files.force);
}

async function writeFileInPlace(path: string, data: string, mode: number, replace: boolean): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // link() fails with EEXIST instead of replacing, which rename() would do.
    if (replace) await rename(temp, path);
    else await link(temp, path);
  } catch (err) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `cannot write ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
