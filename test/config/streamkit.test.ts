import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfigFile } from '../../src/config/index.js';
import { writeConfig, yamlIssues } from './helpers.js';

describe('streamkit.stores keys', () => {
  it('default to no store; an entry defaults to this instance as authority and a 10 s request deadline', async () => {
    expect(DEFAULT_CONFIG.streamkit).toEqual({ stores: [] });
    const yaml = [
      'streamkit:',
      '  stores:',
      '    - name: orders',
      '    - { name: audit-log, authority: hub-a, request_timeout_ms: 2500 }',
    ].join('\n');
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.streamkit.stores).toEqual([
      { name: 'orders', authority: '', requestTimeoutMs: 10_000 },
      { name: 'audit-log', authority: 'hub-a', requestTimeoutMs: 2500 },
    ]);
  });

  it('refuses a missing, invalid or repeated name and a bad deadline, naming the key, line and column', async () => {
    const yaml = [
      'streamkit:', //                                  1
      '  stores:', //                                   2
      '    - { authority: hub-a }', //                  3
      '    - { name: Orders }', //                      4
      '    - { name: eu, request_timeout_ms: 0 }', //   5
      '    - { name: eu, autority: hub-a }', //         6
    ].join('\n');
    const issues = await yamlIssues(yaml);
    expect(issues).toEqual(
      expect.arrayContaining([
        'streamkit.stores[0].name (line 3:7) is required',
        'streamkit.stores[1].name (line 4:15) "Orders" is invalid: must be 1-64 characters of [a-z0-9-]',
        'streamkit.stores[3].name (line 6:15) "eu" repeats streamkit.stores[2].name',
      ]),
    );
    expect(issues.some((i) => i.startsWith('streamkit.stores[2].request_timeout_ms (line 5:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('streamkit.stores[3].autority'))).toBe(true);
  });
});
