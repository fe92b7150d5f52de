/**
 * Lazy access to `@peculiar/x509`. Only certificate generation needs it, so the daemon never loads it
 * (nor its `reflect-metadata` prerequisite) just to read certificates or build TLS options.
 */
import { webcrypto } from 'node:crypto';

type X509Module = typeof import('@peculiar/x509');

let loaded: Promise<X509Module> | undefined;

/** The `@peculiar/x509` module, wired to Node's WebCrypto; loaded on first use. */
export function loadX509(): Promise<X509Module> {
  loaded ??= (async () => {
    // @peculiar/x509 resolves its internals through tsyringe, which needs the Reflect metadata API.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return loaded;
}
