import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Messenger, type MessengerConfigInput } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { auditLines } from '../support/audit.js';
import { deferred } from '../support/deferred.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { fill, SEGMENT_BATCH, segmentFiles } from '../support/segment-fill.js';
import { tempDir } from '../support/temp-dir.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Longer than any test advances the clock: no timer-driven pass or poll runs on its own. */
const NEVER = 2 ** 31 - 1;
const WAIT = { timeout: 10_000, interval: 10 };

/** Appends `segments` batches of envelope lines stamped `ts` to a dead-letter channel. */
async function fillDeadLetter(m: Messenger, channel: string, segments: number, ts: number): Promise<void> {
  const iso = new Date(ts).toISOString();
  const line = (i: number): string =>
    `{"v":1,"id":"dl-${i}","ts":"${iso}","channel":"${channel}","origin":"t","payload_type":"Fill","payload":{"pad":"${'x'.repeat(260)}"}}\n`;
  for (let s = 0; s < segments; s++) {
    const lines = Array.from({ length: 1800 }, (_, i) => line(s * 1800 + i)).join('');
    await internalsOf(m).append(channel, Buffer.from(lines), 1800);
  }
}

/** Holds `channel` back with a federation cursor at `offset` (as a peer that never returns would). */
function holdWithCursor(dataDir: string, channel: string, offset: number): void {
  fs.mkdirSync(path.join(dataDir, 'subscribers', channel), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'subscribers', channel, 'fed-gone.offset'), `${offset}\n`);
}

function open(
  dataDir: string,
  clock: FakeClock,
  storage: MessengerConfigInput['storage'] = {},
  extra: Omit<MessengerConfigInput, 'storage'> = {},
  logger?: MemoryLogger,
): Promise<Messenger> {
  return Messenger.open(
    {
      storage: {
        dataDir,
        syncPolicy: 'none',
        compactionThresholdMb: 1,
        offsetFlushIntervalMs: 60_000,
        ...storage,
      },
      ...extra,
    },
    {
      clock,
      compactionIntervalMs: NEVER,
      foreignPollIntervalMs: NEVER,
      ...(logger === undefined ? {} : { logger }),
    },
  );
}

describe('retention', () => {
  it('evicts sealed segments older than storage.retention; a lagging subscriber skips to the oldest remaining record, in stats, logs and audit', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const m = await open(
      dataDir,
      clock,
      { retentionMs: HOUR },
      { hub: { enabled: true, listenAddr: '127.0.0.1:0' }, federation: { insecurePlaintext: true } },
      logger,
    );
    const gate = deferred();
    let delivered = 0;
    await m.subscribe(
      'orders',
      'slow',
      async () => {
        if (delivered === 0) await gate.promise;
        delivered++;
      },
      { from: 'beginning' },
    );
    const starts = await fill(m, 'orders', 3);
    await clock.advance(2 * HOUR);
    const [fresh] = await fill(m, 'orders', 1);
    expect(await m.compact()).toMatchObject({ segments: 3, bytes: fresh });
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(1);
    expect(m.stats().channels['orders']).toMatchObject({ startOffset: fresh, evictedBytes: fresh });
    expect(logger.find('retention evicted records a consumer had not read')[0]?.fields).toMatchObject({
      channel: 'orders',
      cursor: 'slow',
      from: 0,
      to: fresh,
    });

    gate.resolve();
    // The first segment was read into memory before the eviction; the two after it are lost.
    await vi.waitFor(() => {
      expect(delivered).toBe(2 * 1800);
    }, WAIT);
    const skipped = fresh! - starts[1]!;
    expect(m.stats().channels['orders']).toMatchObject({ retentionSkippedBytes: skipped });
    expect(m.stats().channels['orders']?.subscribers['slow']).toMatchObject({
      retentionSkippedBytes: skipped,
      lagBytes: 0,
    });
    expect(logger.find('cursor skipped records no longer retained')[0]?.fields).toMatchObject({
      cursor: 'slow',
      from: starts[1],
      to: fresh,
    });
    await m.close(); // writes the audit events gathered on the fake clock
    expect(auditLines(dataDir).filter((l) => l.event.startsWith('retention_'))).toMatchObject([
      {
        event: 'retention_evicted',
        channel: 'orders',
        peer: 'slow',
        detail: `from=0 to=${fresh} bytes=${fresh}`,
      },
      {
        event: 'retention_skipped',
        channel: 'orders',
        peer: 'slow',
        detail: `from=${starts[1]} to=${fresh} bytes=${skipped}`,
      },
    ]);
  });

  it('keeps at most storage.max_files log files per channel, the active one included', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(dataDir, clock, { maxFiles: 2 });
    holdWithCursor(dataDir, 'orders', 0);
    const starts = await fill(m, 'orders', 5);
    expect(await m.compact()).toMatchObject({ segments: 3, bytes: starts[3] });
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(2);
    expect(m.stats().channels['orders']).toMatchObject({ startOffset: starts[3], evictedBytes: starts[3] });
    await m.close();
  });

  it('never evicts the active segment, however old or few the files allowed', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(dataDir, clock, { retentionMs: 1, maxFiles: 1 });
    holdWithCursor(dataDir, 'orders', 0);
    const starts = await fill(m, 'orders', 3);
    await clock.advance(DAY);
    expect(await m.compact()).toMatchObject({ segments: 2 });
    expect(segmentFiles(dataDir, 'orders')).toEqual([`${String(starts[2]).padStart(20, '0')}.jsonl`]);
    expect(await m.compact()).toMatchObject({ segments: 0 });
    const received: number[] = [];
    await m.subscribe('orders', 'late', (msg) => void received.push((msg.payload as { i: number }).i), {
      from: 'beginning',
    });
    await vi.waitFor(() => {
      expect(received).toHaveLength(1800);
    }, WAIT);
    await m.close();
  });

  it('by default evicts nothing by age or count (as Go v0.12), but dead-letter channels after 7 days', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(dataDir, clock, { compactionThresholdMb: 64, deadLetterCompactionThresholdMb: 1 });
    holdWithCursor(dataDir, 'orders', 0);
    holdWithCursor(dataDir, 'orders.dead-letter', 0);
    await m.publishBatch('orders', SEGMENT_BATCH);
    await m.publishBatch('orders', SEGMENT_BATCH);
    await fillDeadLetter(m, 'orders.dead-letter', 3, clock.now());
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(1);
    expect(segmentFiles(dataDir, 'orders.dead-letter')).toHaveLength(3);

    await clock.advance(6 * DAY);
    expect((await m.compact()).segments).toBe(0);
    await clock.advance(2 * DAY);
    expect((await m.compact()).segments).toBe(2);
    expect(segmentFiles(dataDir, 'orders.dead-letter')).toHaveLength(1);

    await m.close();
    const old = await open(dataDir, clock, {});
    await fill(old, 'plain', 3);
    holdWithCursor(dataDir, 'plain', 0);
    await clock.advance(365 * DAY);
    expect((await old.compact()).segments).toBe(0);
    expect(segmentFiles(dataDir, 'plain')).toHaveLength(3);
    await old.close();
  });

  it('keeps request/reply inboxes an hour by default, unless an override names them', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(dataDir, clock, { channels: [{ match: '_inbox.kept', retentionMs: 0 }] });
    for (const channel of ['_inbox.gone', '_inbox.kept', 'plain']) {
      holdWithCursor(dataDir, channel, 0);
      await fill(m, channel, 3);
    }
    await clock.advance(HOUR / 2);
    expect((await m.compact()).segments).toBe(0);
    await clock.advance(HOUR);
    await m.compact();
    const files = (channel: string): number => segmentFiles(dataDir, channel).length;
    expect([files('_inbox.gone'), files('_inbox.kept'), files('plain')]).toEqual([1, 3, 3]);
    await m.close();
  });

  it('applies storage.channels overrides (first match wins); retained channels keep everything unless an override names them', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(dataDir, clock, {
      retentionMs: HOUR,
      channels: [
        { match: 'keep.>', retentionMs: 0 },
        { match: '_inbox.*', maxFiles: 1 },
        { match: 'sk.shop.*', retentionMs: 3 * HOUR },
      ],
    });
    const storage = internalsOf(m).storage;
    for (const channel of ['keep.a', '_inbox.n1', 'sk.shop.cart', 'sk.other.x', 'plain']) {
      holdWithCursor(dataDir, channel, 0);
      await fill(m, channel, 3);
    }
    await storage.setRetained('sk.shop.cart', true);
    await storage.setRetained('sk.other.x', true);
    await clock.advance(2 * HOUR);
    await m.compact();
    const files = (channel: string): number => segmentFiles(dataDir, channel).length;
    // keep.a: forever; _inbox.n1: one file, and the global hour; plain: the global hour.
    expect([files('keep.a'), files('_inbox.n1'), files('plain')]).toEqual([3, 1, 1]);
    // Retained: not evicted without an override; with one, by its limit only (3 h, not yet).
    expect([files('sk.shop.cart'), files('sk.other.x')]).toEqual([3, 3]);
    await clock.advance(2 * HOUR);
    await m.compact();
    expect([files('sk.shop.cart'), files('sk.other.x'), files('keep.a')]).toEqual([1, 3, 3]);
    await m.close();
  });

  it('still evicts by retention past an unreadable offset file, which only stops compaction by consumption', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const m = await open(dataDir, clock, { maxFiles: 3 }, {}, logger);
    const starts = await fill(m, 'orders', 5);
    fs.mkdirSync(path.join(dataDir, 'subscribers', 'orders'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'subscribers', 'orders', 'broken.offset'), 'not a number\n');
    expect(await m.compact()).toMatchObject({ segments: 2, bytes: starts[2] });
    expect(segmentFiles(dataDir, 'orders')).toHaveLength(3);
    expect(logger.find('unreadable offset file')).toHaveLength(1);
    await m.close();
  });

  it('audits nothing when no records were unread (a caught-up cursor loses nothing)', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const m = await open(
      dataDir,
      clock,
      { maxFiles: 1 },
      { hub: { enabled: true, listenAddr: '127.0.0.1:0' }, federation: { insecurePlaintext: true } },
    );
    const starts = await fill(m, 'orders', 2);
    holdWithCursor(dataDir, 'orders', starts[1]!);
    expect((await m.compact()).segments).toBe(1);
    await m.close();
    expect(auditLines(dataDir).filter((l) => l.event.startsWith('retention_'))).toEqual([]);
  });
});
