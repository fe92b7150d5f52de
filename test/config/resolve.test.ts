import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../internal/errors/index.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/config/index.js';
import type { MessengerConfigInput } from '../../src/config/index.js';
import { issuesOf } from './helpers.js';

/** Resolves a config object that deliberately breaks the TypeScript shape (as a JavaScript caller could). */
function resolveUntyped(input: unknown, requireDataDir = false): unknown {
  return resolveConfig(input as MessengerConfigInput, { requireDataDir, env: {} });
}

describe('resolveConfig (the library config object)', () => {
  it('fills every missing key from the defaults and names the instance after the host', () => {
    const config = resolveConfig({ storage: { dataDir: '/var/lib/km' } }, { requireDataDir: true, env: {} });
    expect(config).toEqual({
      ...DEFAULT_CONFIG,
      name: hostname(),
      storage: { ...DEFAULT_CONFIG.storage, dataDir: '/var/lib/km' },
    });
  });

  it('requires storage.data_dir when asked to, unless KEYOP_MESSENGER_DATA_DIR provides it', async () => {
    expect(await issuesOf(() => resolveConfig({}, { requireDataDir: true, env: {} }))).toEqual([
      'storage.data_dir is required',
    ]);
    const env = { KEYOP_MESSENGER_DATA_DIR: '/env/dir' };
    expect(resolveConfig({}, { requireDataDir: true, env }).storage.dataDir).toBe('/env/dir');
    expect(resolveConfig({ storage: { dataDir: '/given' } }, { env }).storage.dataDir).toBe('/env/dir');
    expect(resolveConfig({}, { env: {} }).storage.dataDir).toBe('./data');
  });

  it('locates a problem with an environment-provided value at the variable', async () => {
    const issues = await issuesOf(() =>
      resolveConfig(
        { storage: { dataDir: 'x' }, dedup: { seenIdLruSize: 0 } },
        { env: { KEYOP_MESSENGER_DATA_DIR: '/e' } },
      ),
    );
    expect(issues).toEqual(['dedup.seen_id_lru_size must be positive']);
  });

  it('gives list elements their defaults and keeps explicit zeros', () => {
    const config = resolveConfig(
      {
        name: 'edge',
        subscribers: { maxRetries: 0 },
        hub: { allowedPeers: [{ name: 'a' }, { name: 'b', publish: ['x'] }], fedClientOffsetTtlMs: 0 },
        federation: { reconnectJitter: 0 },
      },
      { env: {} },
    );
    expect(config.name).toBe('edge');
    expect(config.subscribers.maxRetries).toBe(0);
    expect(config.hub.fedClientOffsetTtlMs).toBe(0);
    expect(config.federation.reconnectJitter).toBe(0);
    expect(config.hub.allowedPeers).toEqual([
      { name: 'a', subscribe: [], publish: [] },
      { name: 'b', subscribe: [], publish: ['x'] },
    ]);
  });

  it('reports unknown camelCase keys, suggesting the camelCase spelling, with snake_case key paths around them', async () => {
    const issues = await issuesOf(() =>
      resolveUntyped({
        storage: { data_dir: '/d', syncPolcy: 'none' },
        hubs: {},
        log: { level: 'info', colour: true },
      }),
    );
    expect(issues).toEqual([
      'hubs is not a known key; did you mean "hub"?',
      'storage.data_dir is not a known key; did you mean "dataDir"?',
      'storage.syncPolcy is not a known key; did you mean "syncPolicy"?',
      'log.colour is not a known key',
    ]);
  });

  it('reports wrong types strictly (no number-as-text for a config object) and every problem at once', async () => {
    const issues = await issuesOf(() =>
      resolveUntyped(
        {
          name: 42,
          storage: { syncIntervalMs: '200', syncPolicy: 'fast' },
          hub: { enabled: 'yes', fedClientOffsetTtlMs: '168h', allowedPeers: [{ subscribe: 'a' }] },
          client: { hubs: {} },
          tls: { minVersion: 1.3 },
          federation: { reconnectJitter: Number.NaN, maxBatchBytes: 2 ** 60 },
        },
        true,
      ),
    );
    expect(issues).toEqual([
      'name must be a string, got number 42',
      'storage.sync_policy "fast" is invalid: must be "none", "periodic", or "always"',
      'storage.sync_interval_ms must be an integer, got string "200"',
      'hub.enabled must be true or false, got string "yes"',
      'hub.allowed_peers[0].subscribe must be a list of channel names or patterns, got string "a"',
      'hub.fed_client_offset_ttl must be an integer, got string "168h"',
      'client.hubs must be a list, got a mapping',
      'tls.min_version must be a string, got number 1.3',
      'federation.reconnect_jitter must be a number, got number NaN',
      `federation.max_batch_bytes must be an integer, got number ${2 ** 60}`,
      'storage.data_dir is required',
      'hub.allowed_peers[0].name is required',
    ]);
  });

  it('rejects a negative fedClientOffsetTtlMs (only the YAML duration form accepts negatives, as Go did)', async () => {
    expect(await issuesOf(() => resolveConfig({ hub: { fedClientOffsetTtlMs: -1 } }, { env: {} }))).toEqual([
      'hub.fed_client_offset_ttl must be non-negative',
    ]);
  });

  it('treats null and undefined values as missing', () => {
    const config = resolveUntyped({ storage: null, log: { level: undefined }, name: null }) as {
      log: unknown;
    };
    expect(config.log).toEqual({ level: 'info' });
  });

  it('rejects a configuration that is not an object', async () => {
    expect(await issuesOf(() => resolveUntyped([1]))).toEqual([
      'the configuration must be a mapping of keys, got a list',
    ]);
  });

  it('terminates on a cyclic object, reporting the cycle as wrong shapes', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.storage = cyclic;
    const issues = await issuesOf(() => resolveUntyped(cyclic));
    expect(issues).toContain('storage.storage is not a known key');
  });

  it('returns a fresh object that does not share lists with DEFAULT_CONFIG, which is frozen', () => {
    const config = resolveConfig({}, { env: {} });
    config.hub.allowedPeers.push({ name: 'x', subscribe: [], publish: [] });
    expect(DEFAULT_CONFIG.hub.allowedPeers).toEqual([]);
    expect(Object.isFrozen(DEFAULT_CONFIG.hub)).toBe(true);
    expect(resolveConfig({}, { env: {} }).hub.allowedPeers).toEqual([]);
  });

  it('throws a ConfigError whose message lists the issues without a source', () => {
    expect(() => resolveConfig({ audit: { maxFiles: 0 } }, { env: {} })).toThrow(
      new ConfigError(['audit.max_files must be positive']),
    );
    expect(() => resolveConfig({ audit: { maxFiles: 0 } }, { env: {} })).toThrow(
      'invalid config:\n  audit.max_files must be positive',
    );
  });
});
