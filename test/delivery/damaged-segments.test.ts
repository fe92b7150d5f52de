import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Messenger } from '../../src/index.js';
import { collector } from '../support/messages.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

const RECORDS = 3000;
const PAD = 'x'.repeat(900);

/** A data dir whose channel `orders` holds RECORDS records in several 1 MiB segments, closed. */
async function channelOfSegments(): Promise<{ dataDir: string; segments: string[] }> {
  const dataDir = tempDir();
  const m = await Messenger.open({ storage: { dataDir, syncPolicy: 'none', compactionThresholdMb: 1 } });
  for (let first = 0; first < RECORDS; first += 100) {
    await m.publishBatch(
      'orders',
      Array.from({ length: 100 }, (_, k) => ({ payloadType: 'N', payload: { i: first + k, pad: PAD } })),
    );
  }
  await m.close();
  const dir = path.join(dataDir, 'channels', 'orders');
  const segments = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => path.join(dir, name));
  expect(segments.length).toBeGreaterThanOrEqual(3);
  return { dataDir, segments };
}

/** Subscribes from the beginning and waits until the subscriber has read to the end. */
async function deliverAll(dataDir: string, logger: MemoryLogger) {
  const m = await Messenger.open(
    { storage: { dataDir, compactionThresholdMb: 1, offsetFlushIntervalMs: 1000 } },
    { logger },
  );
  const got = collector<{ i: number }>();
  await m.subscribe('orders', 'r', got.handler, { from: 'beginning' });
  await expect
    .poll(() => m.stats().channels['orders']?.subscribers['r']?.lagBytes, { timeout: 10_000, interval: 5 })
    .toBe(0);
  const stats = m.stats().channels['orders']!;
  await m.close();
  return { indexes: got.messages.map((x) => x.payload.i), stats };
}

describe('reading damaged segments', () => {
  it.each([
    ['a short garbage line', 'garbage \u00ff not json\n'],
    ['a garbage line longer than several records', `${'#'.repeat(5000)}\n`],
  ])(
    'skips exactly %s inserted in a sealed segment and delivers every intact record',
    async (_name, garbage) => {
      const { dataDir, segments } = await channelOfSegments();
      const sealed = segments[0]!;
      const text = fs.readFileSync(sealed, 'latin1');
      const middle = text.indexOf('\n', text.length >> 1) + 1;
      fs.writeFileSync(sealed, text.slice(0, middle) + garbage + text.slice(middle), 'latin1');

      const logger = new MemoryLogger();
      const { indexes, stats } = await deliverAll(dataDir, logger);
      expect(indexes).toEqual([...Array(RECORDS).keys()]);
      expect(stats.corruptRecords).toBe(1);
      expect(stats.skippedBytes).toBe(Buffer.byteLength(garbage, 'latin1'));
    },
  );

  it('skips a segment that is a directory, with a coded error naming it, and delivers the rest', async () => {
    const { dataDir, segments } = await channelOfSegments();
    const broken = segments[1]!;
    const lost = new Set(
      fs
        .readFileSync(broken, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { payload: { i: number } }).payload.i),
    );
    expect(lost.size).toBeGreaterThan(0);
    const size = fs.statSync(broken).size;
    fs.rmSync(broken);
    fs.mkdirSync(broken);

    const logger = new MemoryLogger();
    const { indexes, stats } = await deliverAll(dataDir, logger);
    expect(indexes).toEqual([...Array(RECORDS).keys()].filter((i) => !lost.has(i)));
    expect(stats.skippedBytes).toBe(size);
    const error = logger.entries.find((e) => e.level === 'error' && e.msg.includes('skipped'));
    expect(error?.fields['err']).toMatchObject({ code: 'ERR_SEGMENT_UNREADABLE' });
    expect((error?.fields['err'] as Error).message).toContain(broken);
  });
});
