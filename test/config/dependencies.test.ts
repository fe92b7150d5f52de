import { describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../../src/config/index.js';
import { issuesOf, testTls, tlsYaml, writeConfig, yamlIssues } from './helpers.js';

describe('config: a value that would be ignored is an error naming its key', () => {
  it('refuses tls.ca (or tls.key) without tls.cert instead of running without TLS', async () => {
    expect(await yamlIssues('tls:\n  ca: /etc/keyop/ca.crt\n')).toEqual([
      'tls.cert (line 1:1) is required when tls.ca is set',
    ]);
    expect(await yamlIssues('tls:\n  key: k.pem\n  ca: ca.pem\n')).toEqual([
      'tls.cert (line 1:1) is required when tls.key is set',
      'tls.cert (line 1:1) is required when tls.ca is set',
    ]);
  });

  it('refuses TLS settings other than their defaults while TLS is off', async () => {
    expect(await yamlIssues("tls:\n  min_version: '1.2'\n  expiry_warn_days: 7\n")).toEqual([
      'tls.min_version (line 2:16) is set but TLS is off (tls.cert is empty); remove it or set tls.cert',
      'tls.expiry_warn_days (line 3:21) is set but TLS is off (tls.cert is empty); remove it or set tls.cert',
    ]);
  });

  it('refuses client.enabled with no hubs', async () => {
    const yaml = `client:\n  enabled: true\n${await tlsYaml()}`;
    expect(await yamlIssues(yaml)).toEqual([
      'client.hubs (line 1:1) must list at least one hub when client.enabled is true',
    ]);
    expect(await yamlIssues(yaml.replace('enabled: true', 'enabled: true\n  hubs: []'))).toEqual([
      'client.hubs (line 3:3) must list at least one hub when client.enabled is true',
    ]);
  });

  it('refuses federation without TLS unless federation.insecure_plaintext says so', async () => {
    const hub = 'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\n';
    expect(await yamlIssues(hub)).toEqual([
      'hub.enabled (line 2:12) is true without TLS: set tls.cert, tls.key and tls.ca (peers are authenticated by mTLS), or federation.insecure_plaintext: true for plain ws:// on a trusted network',
    ]);
    const plain = await loadConfigFile(
      await writeConfig(`${hub}federation:\n  insecure_plaintext: true\n`),
      {},
    );
    expect(plain.config.federation.insecurePlaintext).toBe(true);
    const withTls = await loadConfigFile(await writeConfig(hub + (await tlsYaml())), {});
    expect(withTls.config.hub.enabled).toBe(true);
    expect(await yamlIssues(`${hub}${await tlsYaml()}federation:\n  insecure_plaintext: true\n`)).toEqual([
      'federation.insecure_plaintext (line 9:23) is true but tls.cert is set, so it has no effect; remove one',
    ]);
  });

  it('applies the same rules to a config object', async () => {
    const tls = await testTls();
    expect(
      await issuesOf(() =>
        resolveConfig(
          { storage: { dataDir: '/d' }, tls: { ca: tls.ca }, client: { enabled: true } },
          { env: {} },
        ),
      ),
    ).toEqual([
      'tls.cert is required when tls.ca is set',
      'client.enabled is true without TLS: set tls.cert, tls.key and tls.ca (peers are authenticated by mTLS), or federation.insecure_plaintext: true for plain ws:// on a trusted network',
      'client.hubs must list at least one hub when client.enabled is true',
    ]);
  });

  it('keeps hub and client keys parked under enabled: false', async () => {
    const yaml = 'hub:\n  enabled: false\n  listen_addr: 0.0.0.0:7740\nclient:\n  hubs:\n    - addr: h:1\n';
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.hub.listenAddr).toBe('0.0.0.0:7740');
    expect(config.client.hubs).toEqual([{ addr: 'h:1', subscribe: [], publish: [] }]);
  });
});

describe('config: paths and YAML the file system or the parser would choke on', () => {
  it('refuses a data_dir too long for the file system, from the file or the environment', async () => {
    const long = `/tmp/${'x'.repeat(5000)}`;
    expect(await yamlIssues(`storage:\n  data_dir: ${long}\n`)).toEqual([
      'storage.data_dir (line 2:13) is 5005 bytes long once absolute; at most 3072 leaves room for the files below it',
    ]);
    const longName = `/tmp/${'y'.repeat(256)}/data`;
    expect(await issuesOf(() => loadConfigFile(undefined, { KEYOP_MESSENGER_DATA_DIR: longName }))).toEqual([
      'storage.data_dir (env KEYOP_MESSENGER_DATA_DIR) has a name of 256 bytes ("yyyyyyyyyyyyyyyyyyyy…"); at most 255',
    ]);
  });

  it('refuses a second YAML document, located', async () => {
    expect(await yamlIssues('log:\n  level: info\n---\nlog:\n  level: warn\n')).toEqual([
      'line 3:1: config must be a single YAML document; a second one starts here',
    ]);
  });

  it('refuses nesting deeper than 32 levels, flow or block, at the first level too deep', async () => {
    expect(await yamlIssues(`storage: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)).toEqual([
      'line 1:41: nesting too deep: more than 32 levels of mappings and lists',
    ]);
    const block = ['x:', ...Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i + 1)}k:`)].join('\n');
    expect(await yamlIssues(block)).toEqual([
      'line 33:65: nesting too deep: more than 32 levels of mappings and lists',
    ]);
    const fine = `${'['.repeat(31)}${']'.repeat(31)}`;
    expect(await yamlIssues(`storage: ${fine}\n`)).toEqual([
      'storage (line 1:10) must be a mapping of keys, got a list',
    ]);
  });

  it('reads an alias bomb only as deep as the schema goes', async () => {
    const levels = Array.from({ length: 30 }, (_, i) =>
      i === 0
        ? 'l0: &l0 [a, a, a, a, a, a, a, a, a]'
        : `l${i}: &l${i} [${Array(9)
            .fill(`*l${i - 1}`)
            .join(', ')}]`,
    );
    const issues = await yamlIssues(`${levels.join('\n')}\nhub:\n  allowed_peers: *l29\n`);
    // 30 unknown top-level keys, then the 9 elements of l29 (each a list, so a type error and no name),
    // and nothing from the 9^29 values below them.
    expect(issues).toHaveLength(30 + 9 + 9);
    expect(issues).toContain('hub.allowed_peers[8] (line 29:11) must be a mapping of keys, got a list');
  });
});
