import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../../src/config/index.js';
import { selfSigned } from '../support/self-signed.js';
import { issuesOf, tempDir, writeConfig, yamlIssues } from './helpers.js';

/** Paths of a self-signed P-384 certificate with subject `/CN=foo` (it also serves as its own CA). */
let cert = '';
let key = '';
let noCnCert = '';

beforeAll(async () => {
  const dir = await tempDir();
  ({ cert, key } = await selfSigned(dir, '/CN=foo/O=keyop', 'foo'));
  noCnCert = (await selfSigned(dir, '/O=nameless', 'nameless')).cert;
});

function tlsYaml(extra = '', certPath = cert): string {
  return `${extra}tls:\n  cert: ${certPath}\n  key: ${key}\n  ca: ${cert}\n`;
}

describe('instance identity with TLS', () => {
  it('takes the name from the certificate CN when no name is given', async () => {
    const { config } = await loadConfigFile(await writeConfig(tlsYaml()), {});
    expect(config.name).toBe('foo');
    expect(config.tls).toMatchObject({ cert, key, ca: cert });
  });

  it('accepts a name equal to the CN', async () => {
    const { config } = await loadConfigFile(await writeConfig(tlsYaml('name: foo\n')), {});
    expect(config.name).toBe('foo');
  });

  it('rejects a name that differs from the CN, at the name line', async () => {
    expect(await yamlIssues(tlsYaml('name: bar\n'))).toEqual([
      'name (line 1:7) "bar" does not match the CN "foo" of tls.cert; with TLS the certificate CN is the instance identity (remove name or set it to "foo")',
    ]);
  });

  it('rejects an unreadable certificate file, naming tls.cert', async () => {
    const missing = join(await tempDir(), 'missing.crt');
    const issues = await yamlIssues(tlsYaml('name: bar\n', missing));
    expect(issues).toEqual([
      expect.stringMatching(
        /^tls\.cert \(line 3:9\) ".*missing\.crt" cannot be read as a certificate: ENOENT/,
      ),
    ]);
  });

  it('rejects a file that is not a certificate, and a certificate without CN', async () => {
    const garbage = join(await tempDir(), 'garbage.crt');
    await writeFile(garbage, 'not a certificate\n');
    expect(await yamlIssues(tlsYaml('', garbage))).toEqual([
      expect.stringMatching(/^tls\.cert \(line 2:9\) ".*garbage\.crt" cannot be read as a certificate: /),
    ]);
    expect(await yamlIssues(tlsYaml('', noCnCert))).toEqual([
      `tls.cert (line 2:9) ${JSON.stringify(noCnCert)} has no CN in its subject; exactly one CN is the instance identity`,
    ]);
  });

  it('requires key and CA with a certificate', async () => {
    expect(await yamlIssues(`tls:\n  cert: ${cert}\n`)).toEqual([
      'tls.key (line 1:1) is required when tls.cert is set',
      'tls.ca (line 1:1) is required when tls.cert is set',
    ]);
  });

  it('applies the same rule to a config object', async () => {
    const tls = { cert, key, ca: cert };
    expect(resolveConfig({ tls }, { env: {} }).name).toBe('foo');
    expect(await issuesOf(() => resolveConfig({ name: 'bar', tls }, { env: {} }))).toEqual([
      'name "bar" does not match the CN "foo" of tls.cert; with TLS the certificate CN is the instance identity (remove name or set it to "foo")',
    ]);
  });
});
