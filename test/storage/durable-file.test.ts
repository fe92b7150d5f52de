/** One durable replacement for small state files: offsets, stream metadata, subscriptions, the webhook key. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  OffsetStore,
  fittingFileName,
  nodeSegmentFs,
  replaceFileDurably,
  writeFully,
  type SegmentFile,
} from '../../internal/storage/index.js';
import { StreamMetaStore, type StreamMeta } from '../../internal/streams/stream-meta.js';
import { WebhookSigner } from '../../internal/streams/subscriptions/webhook-security.js';
import { tempDir } from '../support/temp-dir.js';

describe('replaceFileDurably', () => {
  it('replaces the whole file and leaves no temporary file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.json');
    await replaceFileDurably(file, '{"v":1}');
    await replaceFileDurably(file, Buffer.from('{"v":2}'));
    expect(fs.readFileSync(file, 'utf8')).toBe('{"v":2}');
    expect(fs.readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes a file whose name leaves no room for ".tmp" through a hashed temporary name', async () => {
    const dir = tempDir();
    const name = 'n'.repeat(254);
    expect(fittingFileName(name, '.tmp')).toMatch(/^~[0-9a-f]{32}\.tmp$/);
    expect(fittingFileName('short', '.tmp')).toBe('short.tmp');
    await replaceFileDurably(path.join(dir, name), 'x');
    expect(fs.readdirSync(dir)).toEqual([name]);
  });

  it('removes the temporary file and rethrows when the rename fails', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'taken');
    fs.mkdirSync(path.join(target, 'inside'), { recursive: true });
    await expect(replaceFileDurably(target, 'x')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(fs.readdirSync(dir)).toEqual(['taken']);
  });

  it('gives a new file the mode asked for', async () => {
    const file = path.join(tempDir(), 'secret.pem');
    await replaceFileDurably(file, 'k', { mode: 0o600 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('its users', () => {
  it('writes the webhook signing key with mode 0600 and loads the same key again', async () => {
    const file = path.join(tempDir(), 'webhook-key.pem');
    const first = await WebhookSigner.load(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['webhook-key.pem']);
    expect((await WebhookSigner.load(file)).jwk).toEqual(first.jwk);
  });

  it('writes an offset into a channel folder that does not exist yet', async () => {
    const root = path.join(tempDir(), 'subscribers');
    const store = new OffsetStore(root);
    await store.write('orders', 'r', 42);
    await store.write('orders', 'r', 43);
    expect(fs.readFileSync(store.pathOf('orders', 'r'), 'utf8')).toBe('43\n');
    expect(fs.readdirSync(path.join(root, 'orders'))).toEqual(['r.offset']);
  });
});

describe('stream metadata files', () => {
  it('are written durably and a file of another shape is reported as ERR_STREAM_META_CORRUPT', async () => {
    const dir = tempDir();
    const store = new StreamMetaStore(dir);
    await store.write({ v: 1, channel: 'orders', spans: [] } as unknown as StreamMeta);
    fs.writeFileSync(path.join(dir, 'other.json'), '{"v":2}');
    const { metas, errors } = await store.loadAll();
    expect(metas.map((meta) => meta.channel)).toEqual(['orders']);
    expect(errors).toEqual([
      {
        file: path.join(dir, 'other.json'),
        err: expect.objectContaining({ code: 'ERR_STREAM_META_CORRUPT' }) as unknown,
      },
    ]);
  });
});

describe('segment file writes', () => {
  it('report a write that makes no progress as ERR_STORAGE_IO, and a closed file too', () => {
    const file = nodeSegmentFs.create(path.join(tempDir(), '00000000000000000000.log'));
    const stuck: SegmentFile = Object.assign(Object.create(file) as SegmentFile, { write: () => 0 });
    expect(() => {
      writeFully(stuck, Buffer.from('x'));
    }).toThrow(expect.objectContaining({ code: 'ERR_STORAGE_IO' }) as unknown);
    file.close();
    expect(() => file.write(Buffer.from('x'))).toThrow(
      expect.objectContaining({ code: 'ERR_STORAGE_IO' }) as unknown,
    );
  });
});
