import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { generateCa, generateInstance, verifiesAgainst } from '../../internal/tlsutil/index.js';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0, 750);
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('generateCa', () => {
  it('creates a self-signed P-384 CA valid from now for the given days, with a SEC1 key', async () => {
    const ca = await generateCa({ days: 10, now: NOW });
    const cert = new X509Certificate(ca.certPem);

    expect(ca.info).toMatchObject({
      subject: 'CN=keyop-ca',
      issuer: 'CN=keyop-ca',
      isCa: true,
      publicKey: 'EC secp384r1',
      validFrom: new Date(Date.UTC(2030, 0, 1, 12, 0, 0)),
      validUntil: new Date(Date.UTC(2030, 0, 11, 12, 0, 0)),
    });
    expect(verifiesAgainst(cert, cert)).toBe(true);
    expect(ca.info.fingerprint).toMatch(/^SHA-256:[0-9a-f]{64}$/);
    // Positive, non-zero, at most 128 bits (DER may add a leading zero byte).
    expect(BigInt(`0x${ca.info.serialNumber}`)).toBeGreaterThan(0n);
    expect(BigInt(`0x${ca.info.serialNumber}`)).toBeLessThan(1n << 128n);
    expect(ca.keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
  });

  it('uses the given common name', async () => {
    const ca = await generateCa({ commonName: 'Acme, Inc. CA' });
    expect(ca.info.commonName).toBe('Acme, Inc. CA');
  });
});

describe('generateInstance', () => {
  it('issues a server+client certificate for the name, extra DNS names and IPs', async () => {
    const ca = await generateCa();
    const inst = await generateInstance({
      name: 'hub-a',
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      dnsNames: ['localhost', 'hub-a'],
      ipAddresses: ['127.0.0.1', '::1'],
      days: 5,
      now: NOW,
    });
    const cert = new X509Certificate(inst.certPem);

    expect(inst.info).toMatchObject({
      subject: 'CN=hub-a',
      issuer: 'CN=keyop-ca',
      isCa: false,
      publicKey: 'EC secp384r1',
      subjectAltNames: ['DNS:hub-a', 'DNS:localhost', 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1'],
      validUntil: new Date(Date.UTC(2030, 0, 6, 12, 0, 0)),
    });
    expect(cert.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(verifiesAgainst(cert, new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(inst.keyPem))).toBe(true);
    expect(inst.info.serialNumber).not.toBe(ca.info.serialNumber);
  });

  it('accepts a PKCS#8 CA key', async () => {
    const ca = await generateCa();
    const pkcs8 = createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
    const inst = await generateInstance({ name: 'client-b', caCertPem: ca.certPem, caKeyPem: pkcs8 });
    expect(verifiesAgainst(new X509Certificate(inst.certPem), new X509Certificate(ca.certPem))).toBe(true);
  });

  it('refuses bad names, a key of another CA, a non-CA issuer and a non-EC key', async () => {
    const ca = await generateCa();
    const other = await generateCa();
    const leaf = await generateInstance({ name: 'leaf', caCertPem: ca.certPem, caKeyPem: ca.keyPem });
    const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const cases = [
      {
        code: ErrorCode.INVALID_ARGUMENT,
        options: { name: '../evil', caCertPem: ca.certPem, caKeyPem: ca.keyPem },
      },
      {
        code: ErrorCode.INVALID_ARGUMENT,
        options: { name: 'ok', ipAddresses: ['300.1.1.1'], caCertPem: ca.certPem, caKeyPem: ca.keyPem },
      },
      { code: ErrorCode.CERTIFICATE, options: { name: 'x', caCertPem: ca.certPem, caKeyPem: other.keyPem } },
      { code: ErrorCode.CERTIFICATE, options: { name: 'x', caCertPem: leaf.certPem, caKeyPem: leaf.keyPem } },
      { code: ErrorCode.CERTIFICATE, options: { name: 'x', caCertPem: ca.certPem, caKeyPem: rsaKey } },
      { code: ErrorCode.CERTIFICATE, options: { name: 'x', caCertPem: 'not pem', caKeyPem: ca.keyPem } },
    ];
    for (const { code, options } of cases) {
      const err: unknown = await generateInstance(options).catch((e: unknown) => e);
      expect(hasErrorCode(err, code), `${JSON.stringify(options.name)}: ${String(err)}`).toBe(true);
    }
  });
});
