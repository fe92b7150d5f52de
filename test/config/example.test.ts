import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { YAMLMap } from 'yaml';
import { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from '../../src/config/index.js';
import { CONFIG_SCHEMA } from '../../src/config/schema.js';
import type { AnyFieldsSpec } from '../../src/config/schema.js';
import { schemaKeyPaths, writeConfig } from './helpers.js';

const EXAMPLE = new URL('../../config.example.yaml', import.meta.url).pathname;

/** Every key path written (uncommented) in a YAML mapping, not descending into lists. */
function writtenKeyPaths(map: YAMLMap, prefix = ''): string[] {
  return map.items.flatMap((pair) => {
    const path = prefix + (isScalar(pair.key) ? String(pair.key.value) : '?');
    return isMap(pair.value) ? [path, ...writtenKeyPaths(pair.value, `${path}.`)] : [path];
  });
}

describe('config.example.yaml', () => {
  it('loads clean and equals the built-in defaults', async () => {
    const { config } = await loadConfigFile(EXAMPLE, {});
    expect(config).toEqual(resolveConfig({}, { env: {} }));
    expect(config).toEqual({ name: hostname(), ...DEFAULT_CONFIG });
  });

  it('writes every key (except the name, shown commented out) with a comment above it', async () => {
    const text = await readFile(EXAMPLE, 'utf8');
    const doc = parseDocument(text);
    expect(isMap(doc.contents)).toBe(true);
    const written = writtenKeyPaths(doc.contents as YAMLMap);
    expect(written).toEqual(schemaKeyPaths(CONFIG_SCHEMA as AnyFieldsSpec).filter((path) => path !== 'name'));
    expect(text).toMatch(/^# name: /m);
    const lines = text.split('\n');
    const keyLinesWithoutComment = lines.filter(
      (line, index) => /^ +[a-z_]+: \S/.test(line) && !/^ *# /.test(lines[index - 1] ?? ''),
    );
    expect(keyLinesWithoutComment).toEqual([]);
  });

  it('shows commented alternatives that are themselves valid', async () => {
    const text = await readFile(EXAMPLE, 'utf8');
    const uncommented = text
      .replace(/^ +(?:(?:allowed_peers|hubs|clients|stores): \[\]|tokens_file: '')\n/gm, '')
      .replace(/^( *)# ( *(?:- )?[a-z_]+:(?: .*)?)$/gm, '$1$2');
    const { config } = await loadConfigFile(await writeConfig(uncommented), {});
    expect(config.name).toBe('my-instance');
    expect(config.hub.allowedPeers).toEqual([
      { name: 'edge-1', subscribe: ['metrics'], publish: ['alerts'] },
    ]);
    expect(config.client.hubs).toEqual([
      { addr: 'hub.example.net:7740', subscribe: ['alerts'], publish: ['metrics'] },
    ]);
    expect(config.streamkit.stores).toEqual([
      { name: 'orders', authority: 'hub-a', requestTimeoutMs: 10_000 },
    ]);
    expect(config.http.auth).toEqual({
      tokensFile: '/etc/keyop-messenger/http-tokens',
      clients: [{ name: 'dashboard', read: ['metrics.>'], write: ['alerts'], admin: ['scratch.*'] }],
    });
  });
});
