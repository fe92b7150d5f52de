import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Messenger } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

function open(dataDir: string): Promise<Messenger> {
  return Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'always' } });
}

describe('Messenger.stats covers the whole data dir', () => {
  it('lists channels and subscribers left by an earlier run, untouched since the restart', async () => {
    const dir = tempDir();
    const first = await open(dir);
    const got = collector();
    const sub = await first.subscribe('orders', 'billing', got.handler, { offsetFlushIntervalMs: 0 });
    const [one] = await first.publishBatch('orders', [
      { payloadType: 'Order', payload: { n: 1 } },
      { payloadType: 'Order', payload: { n: 2 } },
    ]);
    await got.waitFor(2);
    await sub.stop();
    await first.publish('orders', 'Order', { n: 3 });
    await first.publish('audit.trail', 'Note', {});
    const before = first.stats().channels;
    await first.close();

    const second = await open(dir);
    const stats = second.stats().channels;
    expect(Object.keys(stats).sort()).toEqual(['audit.trail', 'orders']);
    const orders = stats['orders']!;
    expect(orders).toMatchObject({
      open: false,
      startOffset: one!.offset,
      endOffset: before['orders']!.endOffset,
      bytes: before['orders']!.bytes,
      segments: 1,
      messages: 0,
      unreadableOffsetFiles: [],
    });
    const billing = orders.subscribers['billing']!;
    expect(billing).toMatchObject({ running: false, delivered: 0, stalled: false });
    expect(billing.offset).toBe(billing.persistedOffset);
    // The third message came after the subscriber stopped: it lags by exactly that record.
    expect(billing.lagBytes).toBe(orders.endOffset - billing.offset);
    expect(billing.lagBytes).toBeGreaterThan(0);
    await second.close();
  });

  it('lists a channel opened by package code beside the Messenger (the hub, the HTTP endpoint)', async () => {
    const m = await open(tempDir());
    // What the hub does for a channel a peer subscribes to: it opens the log through storage.
    const log = await internalsOf(m).storage.log('served');
    await log.append(Buffer.from('{"v":1}\n'), 1);
    const served = m.stats().channels['served'];
    expect(served).toMatchObject({ open: true, messages: 1, endOffset: 8 });
    await m.close();
  });

  it('shows a running subscription with its counters and marks an unreadable offset file', async () => {
    const dir = tempDir();
    const m = await open(dir);
    const got = collector();
    await m.subscribe('orders', 'billing', got.handler);
    await m.publish('orders', 'Order', {});
    await got.waitFor(1);
    fs.mkdirSync(path.join(dir, 'subscribers', 'orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'subscribers', 'orders', 'broken.offset'), 'not a number\n');
    await vi.waitFor(() => {
      expect(m.stats().channels['orders']?.subscribers['billing']?.delivered).toBe(1);
    });
    const orders = m.stats().channels['orders']!;
    expect(orders.subscribers['billing']).toMatchObject({ running: true, delivered: 1 });
    expect(orders.subscribers['broken']).toBeUndefined();
    expect(orders.unreadableOffsetFiles).toEqual([expect.stringContaining('broken.offset') as unknown]);
    await m.close();
  });
});
