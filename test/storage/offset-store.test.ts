/** The offset store lists, dates and removes offset files for sweeps, so nothing else walks `subscribers/`. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetStore } from '../../internal/storage/index.js';
import { tempDir } from '../support/temp-dir.js';

describe('OffsetStore for sweeps', () => {
  it('lists every offset file of every channel, skipping other entries', async () => {
    const root = path.join(tempDir(), 'subscribers');
    const store = new OffsetStore(root);
    await store.write('orders', 'fed-a', 1);
    await store.write('orders', 'local', 2);
    await store.write('alerts', 'fed-b', 3);
    fs.writeFileSync(path.join(root, 'fed-a.waiting'), '["x"]\n');
    fs.writeFileSync(path.join(root, 'orders', 'notes.txt'), 'not an offset');
    const refs = await store.listAll();
    expect(refs.sort((x, y) => `${x.channel}/${x.id}`.localeCompare(`${y.channel}/${y.id}`))).toEqual([
      { channel: 'alerts', id: 'fed-b' },
      { channel: 'orders', id: 'fed-a' },
      { channel: 'orders', id: 'local' },
    ]);
    expect(await new OffsetStore(path.join(tempDir(), 'missing')).listAll()).toEqual([]);
  });

  it('dates a file by its last change and removes it', async () => {
    const store = new OffsetStore(path.join(tempDir(), 'subscribers'));
    await store.write('orders', 'fed-a', 1);
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(store.pathOf('orders', 'fed-a'), old, old);
    expect(await store.modifiedAt('orders', 'fed-a')).toBe(old.getTime());
    expect(await store.modifiedAt('orders', 'nobody')).toBeUndefined();
    await store.remove('orders', 'fed-a');
    expect(await store.listAll()).toEqual([]);
  });
});
