import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { assertCliBuilt, runCli } from './process.js';

/** Runs `keyop-messenger run --config <file holding yaml>` in a fresh dir. */
async function runWithConfig(yaml: string): Promise<{ code: number | null; stderr: string; dir: string }> {
  const dir = tempDir('keyop-config-cli-');
  fs.writeFileSync(path.join(dir, 'config.yaml'), yaml);
  const result = await runCli(['run', '--config', 'config.yaml'], dir);
  expect(result.stdout).toBe('');
  return { code: result.code, stderr: result.stderr, dir };
}

describe('keyop-messenger run: a config it cannot use exits 78 naming the key or the place', () => {
  beforeAll(assertCliBuilt);

  it.each([
    [
      'a second YAML document',
      'log:\n  level: info\n---\nlog:\n  level: warn\n',
      'line 3:1: config must be a single YAML document; a second one starts here',
    ],
    [
      'nesting 5000 levels deep',
      `storage: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      'line 1:41: nesting too deep: more than 32 levels of mappings and lists',
    ],
    [
      'a 5000-character data_dir',
      `storage:\n  data_dir: /tmp/${'d'.repeat(4995)}\n`,
      'storage.data_dir (line 2:13) is 5000 bytes long once absolute; at most 3072 leaves room for the files below it',
    ],
    ['tls.ca without tls.cert', 'tls:\n  ca: ca.crt\n', 'tls.cert (line 1:1) is required when tls.ca is set'],
    [
      'a hub without TLS',
      'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\n',
      'hub.enabled (line 2:12) is true without TLS',
    ],
  ])('%s', async (_case, yaml, issue) => {
    const { code, stderr, dir } = await runWithConfig(yaml);
    expect(code).toBe(78);
    expect(stderr.startsWith(`error: invalid config "config.yaml":\n  ${issue}`)).toBe(true);
    expect(stderr).not.toMatch(/parseAllDocuments|call stack|ENAMETOOLONG|\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});
