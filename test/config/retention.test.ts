import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from '../../src/config/index.js';
import { writeConfig, yamlIssues } from './helpers.js';

describe('storage retention keys', () => {
  it('default to what a Go v0.12 config did: no age or file limit; dead-letter channels keep 7 days', () => {
    expect(DEFAULT_CONFIG.storage).toMatchObject({
      retentionMs: 0,
      maxFiles: 0,
      deadLetterRetentionMs: 7 * 86_400_000,
      deadLetterCompactionThresholdMb: 50,
      channels: [],
    });
  });

  it('read days, Go durations and forever, and per-channel overrides with unset limits left at -1', async () => {
    const yaml = [
      'storage:',
      '  retention: 1d12h',
      '  max_files: 12',
      '  dead_letter_retention: forever',
      '  dead_letter_compaction_threshold_mb: 8',
      '  channels:',
      "    - { match: '_inbox.>', retention: 10m }",
      "    - { match: 'sk.*.*', max_files: 0 }",
      "    - { match: 'events.>', retention: 7d, max_files: 3 }",
    ].join('\n');
    const { config } = await loadConfigFile(await writeConfig(yaml), {});
    expect(config.storage).toMatchObject({
      retentionMs: 36 * 3_600_000,
      maxFiles: 12,
      deadLetterRetentionMs: 0,
      deadLetterCompactionThresholdMb: 8,
      channels: [
        { match: '_inbox.>', retentionMs: 600_000, maxFiles: -1 },
        { match: 'sk.*.*', retentionMs: -1, maxFiles: 0 },
        { match: 'events.>', retentionMs: 7 * 86_400_000, maxFiles: 3 },
      ],
    });
  });

  it('refuses bad values naming the key, line and column', async () => {
    const yaml = [
      'storage:', //                                  1
      '  retention: -1h', //                          2
      '  max_files: -2', //                           3
      '  dead_letter_retention: 7 days', //           4
      '  channels:', //                               5
      "    - { match: 'a.>.b', retention: 1h }", //   6
      '    - { retention: 5m }', //                   7
      "    - { match: 'x' }", //                      8
      '    - { match: y, retention: 3600 }', //       9
    ].join('\n');
    expect(await yamlIssues(yaml)).toEqual([
      'storage.retention (line 2:14): invalid retention "-1h": must not be negative',
      'storage.max_files (line 3:14) must be non-negative',
      'storage.dead_letter_retention (line 4:26): invalid retention "7 days": time: unknown unit " days" in duration "7 days"',
      'storage.channels[0].match (line 6:16) "a.>.b" is not a channel pattern: ">" must be the last token',
      'storage.channels[1].match (line 7:7) is required',
      'storage.channels[2] (line 8:7) sets neither retention nor max_files',
      'storage.channels[3] (line 9:7) sets neither retention nor max_files',
      'storage.channels[3].retention (line 9:30) must be a retention such as "7d", "36h" or "forever", got number 3600',
    ]);
  });

  it('take milliseconds in a config object', () => {
    const config = resolveConfig(
      { storage: { dataDir: '/d', retentionMs: 5_000, channels: [{ match: 'a.*', maxFiles: 2 }] } },
      { requireDataDir: true, env: {} },
    );
    expect(config.storage.retentionMs).toBe(5_000);
    expect(config.storage.channels).toEqual([{ match: 'a.*', retentionMs: -1, maxFiles: 2 }]);
  });
});
