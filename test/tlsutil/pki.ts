import { join } from 'node:path';
import {
  generateCa,
  generateInstance,
  writeCertificateFiles,
  type InstanceOptions,
} from '../../internal/tlsutil/index.js';

/** Paths of one written certificate and key. */
export interface WrittenPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A CA plus instance certificates written into `dir`, named `<name>.crt` / `<name>.key`. */
export async function writePki(
  dir: string,
  instances: readonly Omit<InstanceOptions, 'caCertPem' | 'caKeyPem'>[],
  caName = 'ca',
): Promise<{ ca: WrittenPair; instances: WrittenPair[] }> {
  const ca = await generateCa();
  const caFiles = await writePair(dir, caName, ca);
  const written: WrittenPair[] = [];
  for (const options of instances) {
    const inst = await generateInstance({ ...options, caCertPem: ca.certPem, caKeyPem: ca.keyPem });
    written.push(await writePair(dir, options.name, inst));
  }
  return { ca: caFiles, instances: written };
}

async function writePair(
  dir: string,
  name: string,
  pems: { certPem: string; keyPem: string },
): Promise<WrittenPair> {
  const files = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  await writeCertificateFiles({ ...files, force: false }, pems);
  return files;
}
