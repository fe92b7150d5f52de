/**
 * Node 20's `X509Certificate#toLegacyObject` loads its TLS helpers before `node:tls`, and a `node:tls`
 * loaded after them has no `createSecureContext` for the rest of the process. Reading an identity
 * first must not break TLS later: the bundled CLI read its certificate's CN before it loaded TLS.
 */
import { describe, expect, it } from 'vitest';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { selfSigned } from '../support/self-signed.js';
import { tempDir } from '../support/temp-dir.js';

describe('reading a certificate identity before node:tls is loaded', () => {
  it('leaves node:tls whole', async () => {
    const { cert } = await selfSigned(tempDir(), '/CN=first-reader', 'first-reader');
    const child = spawnFixture('common-name-first.mjs', [cert]);
    const lines = stdoutLines(child);
    expect(await exited(child)).toBe(0);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { commonName: 'first-reader', createSecureContext: 'function' },
    ]);
  });
});
