/** Self-signed certificates with any subject, made by the openssl CLI (multi-CN, escaped, no CN …). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of a written certificate and its key. */
export interface CertificatePaths {
  cert: string;
  key: string;
}

/**
 * Writes `<name>.crt` and `<name>.key` into `dir`: a P-384 certificate with `subject` in openssl's
 * `-subj` form (`/CN=foo/O=keyop`), valid for a day, that also serves as its own CA.
 */
export async function selfSigned(dir: string, subject: string, name: string): Promise<CertificatePaths> {
  const paths = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-384',
    '-nodes',
    '-subj',
    subject,
    '-days',
    '1',
    '-keyout',
    paths.key,
    '-out',
    paths.cert,
  ]);
  return paths;
}
