/** Shared helpers of the config tests: temp files and capturing ConfigError issues. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ConfigError } from '../../internal/errors/index.js';
import { loadConfigFile } from '../../src/config/index.js';
import { yamlKeyOf } from '../../src/config/schema.js';
import type { AnyFieldsSpec } from '../../src/config/schema.js';
import { writePki } from '../tlsutil/pki.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp directory, removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keyop-config-'));
  dirs.push(dir);
  return dir;
}

/** Writes `text` to a temp `config.yaml` and returns its path. */
export async function writeConfig(text: string): Promise<string> {
  const path = join(await tempDir(), 'config.yaml');
  await writeFile(path, text);
  return path;
}

/** A CA and an instance certificate with CN `node-a`, written once per test file. */
let pki: Promise<{ cert: string; key: string; ca: string }> | undefined;

/** Paths of a usable `tls.cert` (CN `node-a`), its key and its CA. */
export function testTls(): Promise<{ cert: string; key: string; ca: string }> {
  pki ??= tempDir().then(async (dir) => {
    const { ca, instances } = await writePki(dir, [{ name: 'node-a' }]);
    return { cert: instances[0]!.certFile, key: instances[0]!.keyFile, ca: ca.certFile };
  });
  return pki;
}

/** The `tls:` section of a YAML config using {@link testTls}. */
export async function tlsYaml(): Promise<string> {
  const { cert, key, ca } = await testTls();
  return `tls:\n  cert: ${JSON.stringify(cert)}\n  key: ${JSON.stringify(key)}\n  ca: ${JSON.stringify(ca)}\n`;
}

/** The issues of the ConfigError `action` throws (fails the test when it does not throw one). */
export async function issuesOf(action: () => unknown): Promise<readonly string[]> {
  try {
    await action();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError, got none');
}

/** The issues of loading `yaml` as a config file with an empty environment. */
export async function yamlIssues(yaml: string): Promise<readonly string[]> {
  const path = await writeConfig(yaml);
  return issuesOf(() => loadConfigFile(path, {}));
}

/** Every key path the schema knows, except the fields of list elements. */
export function schemaKeyPaths(fields: AnyFieldsSpec, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, spec]) => {
    const path = prefix + yamlKeyOf(name, spec);
    return spec.kind === 'section' ? [path, ...schemaKeyPaths(spec.fields, `${path}.`)] : [path];
  });
}
