import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Messenger } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { fill, segmentFiles } from '../support/segment-fill.js';
import { tempDir } from '../support/temp-dir.js';

function open(dataDir: string, logger?: MemoryLogger): Promise<Messenger> {
  return Messenger.open(
    {
      storage: {
        dataDir,
        syncPolicy: 'none',
        compactionThresholdMb: 1,
        offsetFlushIntervalMs: 10,
        maxSubscriberLagMb: 1,
      },
    },
    logger === undefined ? {} : { logger },
  );
}

describe('compaction', () => {
  it('deletes sealed segments below every offset file: local subscribers (stopped or not) and federation cursors', async () => {
    const dataDir = tempDir();
    const m = await open(dataDir);
    const sub = await m.subscribe('orders', 's', () => undefined);
    const starts = await fill(m, 'orders', 5);
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(5);
    await vi.waitFor(() => {
      expect(m.stats().channels['orders']?.subscribers['s']?.lagBytes).toBe(0);
    });
    await sub.stop();
    const fedFile = path.join(dataDir, 'subscribers', 'orders', 'fed-peer.offset');
    fs.writeFileSync(fedFile, `${starts[2]}\n`);

    expect(await m.compact()).toMatchObject({ segments: 2 });
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(3);
    expect(m.stats().channels['orders']?.startOffset).toBe(starts[2]);

    fs.rmSync(fedFile);
    expect(await m.compact()).toMatchObject({ segments: 2 });
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(1);
    await m.close();
  });

  it('respects the offset files of subscribers that have not re-subscribed since a restart', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    await first.subscribe('orders', 'slow', () => undefined);
    await first.close();
    const m = await open(dataDir);
    await fill(m, 'orders', 3);
    expect((await m.compact()).segments).toBe(0);
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(3);
    await m.close();
  });

  it('drops every sealed segment of a channel nobody consumes, unless the channel is retained', async () => {
    const dataDir = tempDir();
    const m = await open(dataDir);
    await fill(m, 'free', 3);
    await fill(m, 'kept', 3);
    await internalsOf(m).storage.setRetained('kept', true);
    await m.compact();
    expect(segmentFiles(dataDir, 'free')).toHaveLength(1);
    expect(segmentFiles(dataDir, 'kept')).toHaveLength(3);
    await m.close();
  });

  it('never compacts past an offset file it cannot read, and warns about lagging subscribers', async () => {
    const dataDir = tempDir();
    const logger = new MemoryLogger();
    const m = await open(dataDir, logger);
    await m.subscribe(
      'orders',
      'lagging',
      (_msg, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', reject);
        }),
    );
    await fill(m, 'orders', 3);
    fs.writeFileSync(path.join(dataDir, 'subscribers', 'orders', 'fed-broken.offset'), 'not a number\n');
    expect((await m.compact()).segments).toBe(0);
    expect(logger.find('unreadable offset file')).toHaveLength(1);
    fs.rmSync(path.join(dataDir, 'subscribers', 'orders', 'fed-broken.offset'));
    // A peer's cursor as far behind is not a lagging subscriber: the peer is away.
    fs.writeFileSync(path.join(dataDir, 'subscribers', 'orders', 'fed-away.offset'), '0\n');
    await m.compact();
    expect(logger.find('subscriber is lagging').map((entry) => entry.fields['subscriber'])).toEqual([
      'lagging',
    ]);
    await m.close();
  });
});

describe('offset write failures', () => {
  it('pause delivery after 3 consecutive failures and resume once a probe write succeeds', async () => {
    const dataDir = tempDir();
    const m = await Messenger.open({
      storage: { dataDir, syncPolicy: 'none' },
      subscribers: { retryBackoffBaseMs: 5, retryBackoffMaxMs: 20 },
    });
    const seen: number[] = [];
    await m.subscribe('orders', 's', (msg) => {
      seen.push(msg.payload as number);
    });
    const blocker = path.join(dataDir, 'subscribers', 'orders', 's.offset.tmp');
    fs.mkdirSync(blocker);
    for (let i = 0; i < 6; i++) await m.publish('orders', 'N', i);
    await vi.waitFor(() => {
      expect(seen).toEqual([0, 1, 2]);
    });
    const persisted = fs.readFileSync(path.join(dataDir, 'subscribers', 'orders', 's.offset'), 'utf8');
    expect(persisted).toBe('0\n');
    fs.rmdirSync(blocker);
    await vi.waitFor(() => {
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    });
    await vi.waitFor(() => {
      expect(m.stats().channels['orders']?.subscribers['s']?.persistedOffset).toBe(
        m.stats().channels['orders']?.endOffset,
      );
    });
    await m.close();
  });
});
