/** The flags a CLI client verb needs to reach a hub as one of the test PKI's names. */
import type { TestPki } from '../support/cluster.js';

/** `--hub addr --cert … --key … --ca …` for the certificate of `name`. */
export function hubFlags(pki: TestPki, addr: string, name: string): string[] {
  const pair = pki.pairs.get(name)!;
  return ['--hub', addr, '--cert', pair.certFile, '--key', pair.keyFile, '--ca', pki.ca];
}
