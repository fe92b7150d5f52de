import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { checkCertificateExpiry, generateCa, generateInstance } from '../../internal/tlsutil/index.js';

const DAY = 86_400_000;
const ISSUED = Date.UTC(2030, 5, 1);

describe('checkCertificateExpiry', () => {
  let dir: string;
  let caFile: string;
  let certFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyop-expiry-'));
    const ca = await generateCa({ now: ISSUED, days: 365 });
    const inst = await generateInstance({
      name: 'hub-a',
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      now: ISSUED,
      days: 30,
    });
    caFile = join(dir, 'ca.crt');
    certFile = join(dir, 'hub-a.crt');
    await writeFile(caFile, ca.certPem);
    await writeFile(certFile, inst.certPem);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('warns only about certificates expiring within the window', async () => {
    expect(await checkCertificateExpiry([certFile, caFile], 7, ISSUED)).toEqual([]);
    expect(await checkCertificateExpiry([certFile, caFile], 7, ISSUED + 24 * DAY)).toEqual([
      {
        path: certFile,
        commonName: 'hub-a',
        expires: new Date(ISSUED + 30 * DAY),
        daysLeft: 6,
        expired: false,
      },
    ]);
  });

  it('reports expired certificates and checks every certificate of a bundle', async () => {
    const bundle = join(dir, 'bundle.crt');
    await writeFile(bundle, (await readFile(certFile, 'utf8')) + (await readFile(caFile, 'utf8')));
    const warnings = await checkCertificateExpiry([bundle], 0, ISSUED + 366 * DAY);
    expect(warnings.map((w) => [w.path, w.commonName, w.expired, w.daysLeft])).toEqual([
      [bundle, 'hub-a', true, -336],
      [bundle, 'keyop-ca', true, -1],
    ]);
  });

  it('fails with ERR_CERTIFICATE on a missing or non-certificate file', async () => {
    const notPem = join(dir, 'not.pem');
    await writeFile(notPem, 'hello');
    for (const path of [join(dir, 'missing.crt'), notPem]) {
      const err: unknown = await checkCertificateExpiry([path], 30, ISSUED).catch((e: unknown) => e);
      expect(hasErrorCode(err, ErrorCode.CERTIFICATE)).toBe(true);
    }
  });
});
