import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertCliBuilt, openssl, runCli } from './process.js';

const CREATED =
  /^Subject: {5}CN=(\S+)\nValid from: {2}\S+Z\nValid until: \S+Z\nFingerprint: SHA-256:[0-9a-f]{64}\n$/;

describe('keyop-messenger gen-cert', () => {
  let dir: string;

  /** Runs the CLI in the test directory and expects success. */
  async function ok(...args: string[]): Promise<string> {
    const result = await runCli(args, dir);
    expect(result, `${args.join(' ')}: ${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
    return result.stdout;
  }

  const makeCa = () => ok('gen-cert', 'ca');
  const makeHub = () =>
    ok(
      'gen-cert',
      'instance',
      '--ca',
      'ca.crt',
      '--ca-key',
      'ca.key',
      '--name',
      'hub-a',
      '--dns',
      'localhost',
      '--ip',
      '127.0.0.1',
    );

  beforeAll(assertCliBuilt);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyop-gen-cert-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a CA and an instance certificate that openssl verifies, with the Go tool’s profile', async () => {
    expect(await makeCa()).toMatch(CREATED);
    expect(await makeHub()).toMatch(CREATED);

    expect(await openssl(['verify', '-CAfile', 'ca.crt', 'hub-a.crt'], dir)).toBe('hub-a.crt: OK\n');
    const caText = await openssl(['x509', '-in', 'ca.crt', '-noout', '-text'], dir);
    const hubText = await openssl(['x509', '-in', 'hub-a.crt', '-noout', '-text'], dir);
    for (const text of [caText, hubText]) {
      expect(text).toContain('NIST CURVE: P-384');
      expect(text).toContain('Signature Algorithm: ecdsa-with-SHA384');
    }
    expect(caText).toMatch(/Subject: CN = keyop-ca\n/);
    expect(caText).toMatch(/Basic Constraints: critical\s+CA:TRUE\n/);
    expect(caText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    expect(caText).toContain('X509v3 Subject Key Identifier');
    expect(hubText).toMatch(/Subject: CN = hub-a\n/);
    expect(hubText).toMatch(/Basic Constraints: critical\s+CA:FALSE\n/);
    expect(hubText).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(hubText).toMatch(
      /Extended Key Usage: \s+TLS Web Server Authentication, TLS Web Client Authentication\n/,
    );
    expect(hubText).toMatch(/Subject Alternative Name: \s+DNS:hub-a, DNS:localhost, IP Address:127.0.0.1\n/);
    expect(hubText).toContain('X509v3 Authority Key Identifier');

    for (const key of ['ca.key', 'hub-a.key']) {
      expect((await stat(join(dir, key))).mode & 0o777).toBe(0o600);
      expect(await readFile(join(dir, key), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);
    }
  });

  it('writes instance certificates that complete a mutual-TLS 1.3 handshake with each other', async () => {
    await makeCa();
    await makeHub();
    await ok('gen-cert', 'instance', '--ca', 'ca.crt', '--ca-key', 'ca.key', '--name', 'client-b');
    const file = (name: string): Promise<Buffer> => readFile(join(dir, name));
    const [ca, hubCert, hubKey, clientCert, clientKey] = await Promise.all(
      ['ca.crt', 'hub-a.crt', 'hub-a.key', 'client-b.crt', 'client-b.key'].map(file),
    );
    const server = tls.createServer({
      cert: hubCert,
      key: hubKey,
      ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
    });
    const serverSaw = new Promise<string>((resolve) => {
      server.once('secureConnection', (socket) => {
        resolve(String(socket.getPeerCertificate().subject.CN));
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = tls.connect({
      host: '127.0.0.1',
      port,
      cert: clientCert,
      key: clientKey,
      ca,
      minVersion: 'TLSv1.3',
    });
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', resolve);
      client.once('error', reject);
    });
    expect(client.authorized).toBe(true);
    expect(client.getProtocol()).toBe('TLSv1.3');
    expect(client.getPeerCertificate().subject.CN).toBe('hub-a');
    expect(await serverSaw).toBe('client-b');
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses to overwrite without --force (exit 1, files unchanged) and overwrites with it', async () => {
    await makeCa();
    await makeHub();
    const before = await Promise.all(
      ['ca.crt', 'ca.key', 'hub-a.crt', 'hub-a.key'].map((f) => readFile(join(dir, f))),
    );

    const refusedCa = await runCli(['gen-cert', 'ca', '--out-key', 'fresh.key'], dir);
    expect(refusedCa).toMatchObject({ code: 1, stdout: '' });
    expect(refusedCa.stderr).toContain('"ca.crt" already exists; use --force to overwrite');
    const refusedHub = await runCli(
      ['gen-cert', 'instance', '--ca', 'ca.crt', '--ca-key', 'ca.key', '--name', 'hub-a'],
      dir,
    );
    expect(refusedHub.code).toBe(1);
    const after = await Promise.all(
      ['ca.crt', 'ca.key', 'hub-a.crt', 'hub-a.key'].map((f) => readFile(join(dir, f))),
    );
    expect(after).toEqual(before);
    await expect(stat(join(dir, 'fresh.key'))).rejects.toThrow(/ENOENT/);

    await ok('gen-cert', 'ca', '--force');
    expect(await readFile(join(dir, 'ca.crt'))).not.toEqual(before[0]);
    expect((await stat(join(dir, 'ca.key'))).mode & 0o777).toBe(0o600);
  });

  it('accepts a CA made with openssl (a SEC1 key, as the Go tool writes) through the keygen alias', async () => {
    await openssl(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'go-ca.key'], dir);
    await openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'go-ca.key',
        '-subj',
        '/CN=go-ca',
        '-days',
        '30',
        '-sha384',
        '-out',
        'go-ca.crt',
      ],
      dir,
    );
    expect(await readFile(join(dir, 'go-ca.key'), 'utf8')).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n/);

    const out = await ok(
      'keygen',
      'instance',
      '--ca',
      'go-ca.crt',
      '--ca-key',
      'go-ca.key',
      '--name',
      'client-b',
      '--json',
    );
    const created = JSON.parse(out) as Record<string, unknown>;
    expect(created).toMatchObject({
      subject: 'CN=client-b',
      issuer: 'CN=go-ca',
      subjectAltNames: ['DNS:client-b'],
      certFile: 'client-b.crt',
      keyFile: 'client-b.key',
    });
    expect(await openssl(['verify', '-CAfile', 'go-ca.crt', 'client-b.crt'], dir)).toBe('client-b.crt: OK\n');
  });

  it('inspect shows the certificate and whether it verifies against a CA, as text or JSON', async () => {
    await makeCa();
    const fingerprint = /Fingerprint: (\S+)/.exec(await makeHub())?.[1];
    await ok('gen-cert', 'ca', '--out-cert', 'other.crt', '--out-key', 'other.key', '--cn', 'other-ca');

    const text = await ok('gen-cert', 'inspect', 'hub-a.crt', '--ca', 'ca.crt');
    expect(text).toMatch(/^Subject: +CN=hub-a\n/);
    expect(text).toMatch(/\nSANs: +DNS:hub-a, DNS:localhost, IP:127\.0\.0\.1\n/);
    expect(text).toMatch(/\nIssuer: +CN=keyop-ca\n/);
    expect(text).toMatch(/\nValid from: +\S+Z\nValid until: +\S+Z\n/);
    expect(text).toContain(`Fingerprint:         ${fingerprint ?? 'missing'}\n`);
    expect(text).toMatch(/\nVerifies against CA: yes\n$/);

    const json = JSON.parse(
      await ok('gen-cert', 'inspect', 'hub-a.crt', '--ca', 'ca.crt', '--json'),
    ) as unknown;
    expect(json).toMatchObject({
      file: 'hub-a.crt',
      commonName: 'hub-a',
      fingerprint,
      verifiesAgainstCa: true,
    });

    const mismatch = await runCli(['gen-cert', 'inspect', 'hub-a.crt', '--ca', 'other.crt'], dir);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toMatch(/\nVerifies against CA: no\n$/);
    expect(mismatch.stderr).toContain('hub-a.crt does not verify against other.crt');
  });
});
