/** A throwaway PKI for benchmarks: a CA and one instance certificate per name. */
import path from 'node:path';
import { generateCa, generateInstance, writeCertificateFiles } from '../internal/tlsutil/index.js';
import { benchDir } from './measure.js';

/** Where the PKI was written. */
export interface BenchPki {
  dir: string;
  ca: string;
  pairs: Map<string, { certFile: string; keyFile: string }>;
}

/** Writes a CA and instance certificates (SANs: name, localhost, 127.0.0.1) to a temp dir. */
export async function writeBenchPki(names: readonly string[]): Promise<BenchPki> {
  const dir = benchDir('pki');
  const ca = await generateCa();
  const caFiles = { certFile: path.join(dir, 'ca.crt'), keyFile: path.join(dir, 'ca.key') };
  await writeCertificateFiles({ ...caFiles, force: false }, ca);
  const pairs = new Map<string, { certFile: string; keyFile: string }>();
  for (const name of names) {
    const inst = await generateInstance({
      name,
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
    });
    const files = { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
    await writeCertificateFiles({ ...files, force: false }, inst);
    pairs.set(name, files);
  }
  return { dir, ca: caFiles.certFile, pairs };
}
