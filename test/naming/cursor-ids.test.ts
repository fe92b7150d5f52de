/** Federation cursor ids are spelled by one module; every other place asks it. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cursorIds, sanitizeFileComponent } from '../../internal/naming/index.js';

describe('cursorIds', () => {
  it('builds and recognises both kinds, and finds the peer of a hub cursor or its file stem', () => {
    expect(cursorIds.federationIn('node-a')).toBe('fed-node-a');
    expect(cursorIds.federationOut('hub:7740')).toBe('fedout-hub:7740');
    expect(cursorIds.isFederation(cursorIds.federationIn('x'))).toBe(true);
    expect(cursorIds.isFederation(sanitizeFileComponent(cursorIds.federationOut('h:1')))).toBe(true);
    expect(cursorIds.isFederation('fedora')).toBe(false);
    expect(cursorIds.peerOf(sanitizeFileComponent(cursorIds.federationIn('node a')))).toBe('node_a');
    expect(cursorIds.peerOf(cursorIds.federationOut('h:1'))).toBeUndefined();
    expect(cursorIds.peerOf('orders-reader')).toBeUndefined();
  });

  it('are the only place in the sources that spells the fed- and fedout- prefixes', async () => {
    const spelled: string[] = [];
    for (const folder of ['internal', 'src', 'cmd']) {
      for (const name of await readdir(folder, { recursive: true })) {
        if (!name.endsWith('.ts')) continue;
        const file = path.join(folder, name);
        const code = (await readFile(file, 'utf8'))
          .split('\n')
          .filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line))
          .join('\n');
        if (/['"`]fed(out)?-/.test(code)) spelled.push(file);
      }
    }
    expect(spelled).toEqual([path.join('internal', 'naming', 'cursor-ids.ts')]);
  });
});
