import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '../../internal/errors/index.js';
import { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from '../../src/config/index.js';
import { issuesOf, tempDir, testTls, tlsYaml, writeConfig, yamlIssues } from './helpers.js';

const defaults = { name: hostname(), ...DEFAULT_CONFIG };

const WITHOUT_TLS =
  'is true without TLS: set tls.cert, tls.key and tls.ca (peers are authenticated by mTLS), or federation.insecure_plaintext: true for plain ws:// on a trusted network';

describe('loadConfigFile: where the configuration comes from', () => {
  it('uses the built-in defaults when no path and no KEYOP_MESSENGER_CONFIG are given', async () => {
    const loaded = await loadConfigFile(undefined, {});
    expect(loaded.path).toBeUndefined();
    expect(loaded.config).toEqual(defaults);
    expect(loaded.config.storage.dataDir).toBe('./data');
    expect(loaded.config.http.listenAddr).toBe('127.0.0.1:4437');
    expect(loaded.config.hub.enabled || loaded.config.client.enabled).toBe(false);
  });

  it('reads KEYOP_MESSENGER_CONFIG when no path is given, and an explicit path wins over it', async () => {
    const fromEnv = await writeConfig('log:\n  level: debug\n');
    const explicit = await writeConfig('log:\n  level: warn\n');
    const env = { KEYOP_MESSENGER_CONFIG: fromEnv };
    const viaEnv = await loadConfigFile(undefined, env);
    expect(viaEnv).toEqual({ path: fromEnv, config: { ...defaults, log: { level: 'debug' } } });
    expect((await loadConfigFile(explicit, env)).config.log.level).toBe('warn');
  });

  it('lets KEYOP_MESSENGER_DATA_DIR override storage.data_dir, with or without a file', async () => {
    const path = await writeConfig('storage:\n  data_dir: /from/file\n');
    const env = { KEYOP_MESSENGER_DATA_DIR: '/from/env' };
    expect((await loadConfigFile(path, env)).config.storage.dataDir).toBe('/from/env');
    expect((await loadConfigFile(undefined, env)).config.storage.dataDir).toBe('/from/env');
    expect((await loadConfigFile(path, { KEYOP_MESSENGER_DATA_DIR: '' })).config.storage.dataDir).toBe(
      '/from/file',
    );
  });

  it('reports a missing file as a ConfigError naming the path', async () => {
    const missing = join(await tempDir(), 'nope.yaml');
    const err: unknown = await loadConfigFile(missing, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const configError = err as ConfigError;
    expect(configError.code).toBe(ErrorCode.CONFIG);
    expect(configError.message).toContain(JSON.stringify(missing));
    expect(configError.issues).toEqual([expect.stringMatching(/^open config ".*nope\.yaml": ENOENT/)]);
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing here\n'],
    ['a null document', '~\n'],
    ['empty sections', 'storage:\nhub:\n  allowed_peers:\n'],
  ])('treats %s as all defaults', async (_label, text) => {
    const path = await writeConfig(text);
    expect((await loadConfigFile(path, {})).config).toEqual(defaults);
  });
});

describe('loadConfigFile: validation, every problem at once with its line:column', () => {
  it("reports the Go original's validation failures, located", async () => {
    const yaml = [
      'storage:', //                        1
      '  data_dir: ""', //                  2
      '  sync_policy: fast', //             3
      'hub:', //                            4
      '  enabled: true', //                 5
      'client:', //                         6
      '  enabled: true', //                 7
      '  hubs:', //                         8
      '    - subscribe: [a]', //            9
      'tls:', //                            10
      '  key: k.pem', //                    11
      '  min_version: "1.1"', //            12
      'federation:', //                     13
      '  reconnect_jitter: 1.5', //         14
      'dedup:', //                          15
      '  seen_id_lru_size: 0', //           16
      'audit:', //                          17
      '  max_size_mb: 0', //                18
      '  max_files: 0', //                  19
      'subscribers:', //                    20
      '  max_retries: -1', //               21
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'storage.data_dir (line 2:13) is required',
      'storage.sync_policy (line 3:16) "fast" is invalid: must be "none", "periodic", or "always"',
      'hub.listen_addr (line 4:1) is required when hub.enabled is true',
      `hub.enabled (line 5:12) ${WITHOUT_TLS}`,
      `client.enabled (line 7:12) ${WITHOUT_TLS}`,
      'client.hubs[0].addr (line 9:7) is required',
      'tls.cert (line 10:1) is required when tls.key is set',
      'tls.min_version (line 12:16) "1.1" is invalid: must be "1.2" or "1.3"',
      'federation.reconnect_jitter (line 14:21) must be between 0 and 1',
      'dedup.seen_id_lru_size (line 16:21) must be positive',
      'audit.max_size_mb (line 18:16) must be positive',
      'audit.max_files (line 19:14) must be positive',
      'subscribers.max_retries (line 21:16) must be non-negative',
    ]);
  });

  it('requires a positive sync_interval_ms with sync_policy periodic, but accepts 0 (or the default) with none or always', async () => {
    expect(await yamlIssues('storage:\n  sync_interval_ms: 0\n')).toEqual([
      'storage.sync_interval_ms (line 2:21) must be positive when sync_policy is "periodic"',
    ]);
    const path = await writeConfig('storage:\n  sync_policy: always\n  sync_interval_ms: 0\n');
    expect((await loadConfigFile(path, {})).config.storage).toMatchObject({
      syncPolicy: 'always',
      syncIntervalMs: 0,
    });
    expect(await yamlIssues('storage:\n  sync_policy: none\n  sync_interval_ms: 50\n')).toEqual([
      'storage.sync_interval_ms (line 3:21) is only used with sync_policy "periodic" (it is "none"); remove it',
    ]);
  });

  it('reports unknown keys, suggesting the closest known key', async () => {
    const yaml =
      'storage:\n  sync_polcy: none\n  dataDir: x\nhubb: {}\nfrobnicate: 1\nfederation:\n  max_batch: 5\n';
    expect(await yamlIssues(yaml)).toEqual([
      'storage.sync_polcy (line 2:3) is not a known key; did you mean "sync_policy"?',
      'storage.dataDir (line 3:3) is not a known key; did you mean "data_dir"?',
      'hubb (line 4:1) is not a known key; did you mean "hub"?',
      'frobnicate (line 5:1) is not a known key',
      'federation.max_batch (line 7:3) is not a known key',
    ]);
  });

  it('reports wrong types, with strict YAML 1.2 booleans', async () => {
    const yaml = [
      'storage: periodic', //                     1
      'hub:', //                                  2
      '  enabled: yes', //                        3
      '  allowed_peers: {name: a}', //            4
      'client:', //                               5
      '  enabled: "true"', //                     6
      '  hubs:', //                               7
      '    - addr: [a]', //                       8
      '      publish: alerts', //                 9
      'federation:', //                           10
      '  reconnect_base_ms: "500"', //            11
      '  reconnect_jitter: lots', //              12
      '  send_buffer_messages: 1.5', //           13
      'log: {level: 3}', //                       14
      'name: true', //                            15
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'storage (line 1:10) must be a mapping of keys, got string "periodic"',
      'hub.enabled (line 3:12) must be true or false, got string "yes" (YAML 1.2 reads yes/no/on/off as strings)',
      'hub.allowed_peers (line 4:18) must be a list, got a mapping',
      'client.enabled (line 6:12) must be true or false, got string "true"',
      'client.hubs[0].addr (line 8:13) must be a string, got a list',
      'client.hubs[0].publish (line 9:16) must be a list of channel names or patterns, got string "alerts"',
      'federation.reconnect_base_ms (line 11:22) must be an integer, got string "500"',
      'federation.reconnect_jitter (line 12:21) must be a number, got string "lots"',
      'federation.send_buffer_messages (line 13:25) must be an integer, got number 1.5',
      'log.level (line 14:14) "3" is invalid: must be "trace", "debug", "info", "warn", "error", "fatal", or "silent"',
      'name (line 15:7) must be a string, got boolean true',
    ]);
  });

  it('reports a duplicate key at its second occurrence', async () => {
    expect(await yamlIssues('storage:\n  data_dir: a\n  data_dir: b\nlog: {}\nlog: {}\n')).toEqual([
      'storage.data_dir (line 3:3) is a duplicate key (first at line 2)',
      'log (line 5:1) is a duplicate key (first at line 4)',
    ]);
  });

  it('checks channel names in subscribe and publish lists', async () => {
    const yaml = [
      'hub:', //                                                       1
      '  allowed_peers:', //                                           2
      '    - name: edge', //                                           3
      '      subscribe: [ok, "a/b", "..", x.dead-letter]', //          4
      '      publish: [fine, alerts.dead-letter, ""]', //              5
      'client:', //                                                    6
      '  hubs:', //                                                    7
      '    - addr: hub:7740', //                                       8
      `      subscribe: [${'c'.repeat(256)}]`, //                      9
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'hub.allowed_peers[0].subscribe[1] (line 4:23) "a/b" is not a valid channel name: contains characters outside [a-zA-Z0-9._-]',
      'hub.allowed_peers[0].subscribe[2] (line 4:30) ".." is not a valid channel name: name must not be "." or ".."',
      'hub.allowed_peers[0].publish[1] (line 5:23) "alerts.dead-letter" cannot be published: the .dead-letter suffix is reserved',
      'hub.allowed_peers[0].publish[2] (line 5:43) "" is not a valid channel name: name must not be empty',
      'client.hubs[0].subscribe[0] (line 9:19) "' +
        'c'.repeat(256) +
        '" is not a valid channel name: name exceeds 255 bytes',
    ]);
  });

  it('accepts channel patterns in subscribe and publish lists and names a bad one by line:column', async () => {
    const yaml = [
      'hub:', //                                                       1
      '  allowed_peers:', //                                           2
      '    - name: edge', //                                           3
      '      subscribe: ["events.>", "sk.*.state", "a.b*"]', //        4
      '      publish: ["_inbox.*", "x.>.y"]', //                       5
      'client:', //                                                    6
      '  hubs:', //                                                    7
      '    - addr: hub:7740', //                                       8
      '      subscribe: ["*.dead-letter", "a/*"]', //                  9
      '      publish: [">"]', //                                       10
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'hub.allowed_peers[0].subscribe[2] (line 4:45) "a.b*" is not a valid channel pattern: wildcard inside token "b*"',
      'hub.allowed_peers[0].publish[1] (line 5:29) "x.>.y" is not a valid channel pattern: ">" must be the last token',
      'client.hubs[0].subscribe[1] (line 9:36) "a/*" is not a valid channel pattern: contains characters outside [a-zA-Z0-9._-] and the wildcards * >',
    ]);
    const config = resolveConfig(
      {
        storage: { dataDir: '/var/lib/km' },
        hub: {
          allowedPeers: [{ name: 'edge', subscribe: ['events.>', 'sk.*.state'], publish: ['_inbox.*'] }],
        },
        client: { hubs: [{ addr: 'hub:7740', subscribe: ['*.dead-letter'], publish: ['>'] }] },
      },
      { requireDataDir: true, env: {} },
    );
    expect(config.hub.allowedPeers[0]).toMatchObject({
      subscribe: ['events.>', 'sk.*.state'],
      publish: ['_inbox.*'],
    });
    expect(config.client.hubs[0]).toMatchObject({ subscribe: ['*.dead-letter'], publish: ['>'] });
  });

  it('requires unique, non-empty peer names and unique hub addresses', async () => {
    const yaml = [
      'hub:', //                    1
      '  allowed_peers:', //        2
      '    - name: a', //           3
      '    - name: a', //           4
      '    - subscribe: []', //     5
      '    -', //                   6
      'client:', //                 7
      '  hubs:', //                 8
      '    - addr: h:1', //         9
      '    - addr: h:1', //         10
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'hub.allowed_peers[1].name (line 4:13) "a" repeats hub.allowed_peers[0].name',
      'hub.allowed_peers[2].name (line 5:7) is required',
      'hub.allowed_peers[3].name (line 6:6) is required',
      'client.hubs[1].addr (line 10:13) "h:1" repeats client.hubs[0].addr',
    ]);
  });

  it('checks that addresses are host:port', async () => {
    const yaml = [
      'hub:', //                                  1
      '  listen_addr: "7740"', //                 2
      'client:', //                               3
      '  hubs:', //                               4
      '    - addr: ":7740"', //                   5
      '    - addr: "hub.example:99999"', //       6
      '    - addr: "::1:7740"', //                7
      '    - addr: "[hub]:7740"', //              8
      'http:', //                                 9
      '  listen_addr: "bad host:80"', //          10
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'hub.listen_addr (line 2:16) "7740" is invalid: must be host:port (an IPv6 host in brackets)',
      'client.hubs[0].addr (line 5:13) ":7740" is invalid: the host must not be empty',
      'client.hubs[1].addr (line 6:13) "hub.example:99999" is invalid: port must be between 1 and 65535',
      'client.hubs[2].addr (line 7:13) "::1:7740" is invalid: must be host:port (an IPv6 host in brackets)',
      'client.hubs[3].addr (line 8:13) "[hub]:7740" is invalid: "hub" in brackets is not an IPv6 address',
      'http.listen_addr (line 10:16) "bad host:80" is invalid: "bad host" is not a valid host',
    ]);
  });

  it('accepts listen addresses for every interface, IPv6 and port 0', async () => {
    const path = await writeConfig(
      'hub:\n  enabled: true\n  listen_addr: ":0"\nhttp:\n  listen_addr: "[::1]:4437"\nfederation:\n  insecure_plaintext: true\n',
    );
    const { config } = await loadConfigFile(path, {});
    expect(config.hub.listenAddr).toBe(':0');
    expect(config.http.listenAddr).toBe('[::1]:4437');
  });

  it('requires retry and reconnect maxima to be at least their bases, and timer values to fit Node timers', async () => {
    const yaml = [
      'subscribers:',
      '  retry_backoff_base_ms: 500',
      '  retry_backoff_max_ms: 100',
      'federation:',
      '  reconnect_base_ms: 2000',
      '  reconnect_max_ms: 1000',
      'http:',
      '  long_poll_timeout_ms: 3000000000',
      'storage:',
      '  compaction_threshold_mb: 9007199254740991',
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'subscribers.retry_backoff_max_ms (line 3:25) must be at least subscribers.retry_backoff_base_ms (500)',
      'federation.reconnect_max_ms (line 6:21) must be at least federation.reconnect_base_ms (2000)',
      'http.long_poll_timeout_ms (line 8:25) must be at most 2147483647',
      'storage.compaction_threshold_mb (line 10:28) must be at most 8589934591',
    ]);
  });

  it('reports a YAML syntax error with its position', async () => {
    expect(await yamlIssues('storage:\n  data_dir: [a, b\nhub: {}\n')).toEqual([
      expect.stringMatching(/^line 3:\d+: /),
    ]);
  });

  it('reports a top level that is not a mapping, and an alias without anchor', async () => {
    expect(await yamlIssues('- a\n- b\n')).toEqual([
      'line 1:1: the configuration must be a mapping of keys, got a list',
    ]);
    expect(await yamlIssues('name: *nowhere\n')).toEqual(['line 1:7: alias *nowhere has no matching anchor']);
  });

  it('puts the file path in the error message and lists every issue', async () => {
    const path = await writeConfig('dedup:\n  seen_id_lru_size: 0\naudit:\n  max_files: 0\n');
    const err = (await loadConfigFile(path, {}).catch((e: unknown) => e)) as ConfigError;
    expect(err.message).toBe(
      `invalid config ${JSON.stringify(path)}:\n` +
        '  dedup.seen_id_lru_size (line 2:21) must be positive\n' +
        '  audit.max_files (line 4:14) must be positive',
    );
  });
});

describe('loadConfigFile: values', () => {
  it('keeps explicit zeros where zero means something', async () => {
    const yaml = [
      'storage:',
      '  offset_flush_interval_ms: 0',
      'subscribers:',
      '  max_retries: 0',
      '  retry_backoff_base_ms: 0',
      '  retry_backoff_max_ms: 0',
      'hub:',
      '  fed_client_offset_ttl: 0',
      'federation:',
      '  reconnect_jitter: 0',
      (await tlsYaml()) + '  expiry_warn_days: 0',
    ].join('\n');
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.storage.offsetFlushIntervalMs).toBe(0);
    expect(config.subscribers).toEqual({ maxRetries: 0, retryBackoffBaseMs: 0, retryBackoffMaxMs: 0 });
    expect(config.hub.fedClientOffsetTtlMs).toBe(0);
    expect(config.tls.expiryWarnDays).toBe(0);
    expect(config.federation.reconnectJitter).toBe(0);
  });

  it.each([
    ['168h', 604_800_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['"0"', 0],
    ['0', 0],
    ['-1h', 0],
  ])('reads fed_client_offset_ttl %s as %d ms', async (written, ms) => {
    const path = await writeConfig(`hub:\n  fed_client_offset_ttl: ${written}\n`);
    expect((await loadConfigFile(path, {})).config.hub.fedClientOffsetTtlMs).toBe(ms);
  });

  it.each([
    ['3600', 'invalid duration "3600": time: missing unit in duration "3600"'],
    ['7d', 'invalid duration "7d": time: unknown unit "d" in duration "7d"'],
    ['soon', 'invalid duration "soon": time: invalid duration "soon"'],
    ['""', 'invalid duration "": time: invalid duration ""'],
  ])('rejects fed_client_offset_ttl %s', async (written, message) => {
    expect(await yamlIssues(`hub:\n  fed_client_offset_ttl: ${written}\n`)).toEqual([
      `hub.fed_client_offset_ttl (line 2:26): ${message}`,
    ]);
  });

  it('reads a Go config unchanged: unquoted numbers in string keys, anchors and aliases', async () => {
    const yaml = [
      `${await tlsYaml()}  min_version: 1.2`,
      'hub:',
      '  enabled: true',
      '  listen_addr: 0.0.0.0:7740',
      '  allowed_peers:',
      '    - {name: a, subscribe: &shared [metrics, 2024]}',
      '    - {name: b, subscribe: *shared}',
    ].join('\n');
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.name).toBe('node-a');
    expect(config.tls.minVersion).toBe('1.2');
    expect(config.hub.allowedPeers).toEqual([
      { name: 'a', subscribe: ['metrics', '2024'], publish: [] },
      { name: 'b', subscribe: ['metrics', '2024'], publish: [] },
    ]);
    expect((await loadConfigFile(await writeConfig('name: 1234\n'), {})).config.name).toBe('1234');
  });

  it('resolves a YAML file and the equivalent config object to the same configuration', async () => {
    const tls = await testTls();
    const yaml =
      'storage:\n  data_dir: /d\nclient:\n  enabled: true\n  hubs:\n    - addr: h:1\n      publish: [x]\n' +
      (await tlsYaml());
    const fromFile = (await loadConfigFile(await writeConfig(yaml), {})).config;
    const fromObject = resolveConfig(
      {
        storage: { dataDir: '/d' },
        client: { enabled: true, hubs: [{ addr: 'h:1', publish: ['x'] }] },
        tls,
      },
      { env: {} },
    );
    expect(fromFile).toEqual(fromObject);
  });

  it('reports the same problem in the same words for a file and a config object, located only for the file', async () => {
    expect(await yamlIssues('dedup:\n  seen_id_lru_size: 0\n')).toEqual([
      'dedup.seen_id_lru_size (line 2:21) must be positive',
    ]);
    expect(await issuesOf(() => resolveConfig({ dedup: { seenIdLruSize: 0 } }, { env: {} }))).toEqual([
      'dedup.seen_id_lru_size must be positive',
    ]);
  });
});
