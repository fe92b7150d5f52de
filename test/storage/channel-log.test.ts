import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSegments, segmentFileName, untilGrowth } from '../../internal/storage/index.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';
import { openLog, readAll, record, reopenedReader } from './helpers.js';

describe('ChannelLog', () => {
  it('appends records and reads them back from any record offset, from memory and from disk', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { tailCacheBytes: 256 });
    const offsets: number[] = [];
    for (let i = 0; i < 50; i++) offsets.push((await log.append(record(i), 1)).start);
    expect(offsets[0]).toBe(0);
    expect(log.end).toBe(50 * 64);
    const all = await readAll(log);
    expect(all.map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([...Array(50).keys()]);
    const fromMiddle = await readAll(log, offsets[30]);
    expect((JSON.parse(fromMiddle[0]!) as { n: number }).n).toBe(30);
    expect(log.readCached(offsets[49]!, 4096)?.data.toString()).toBe(record(49).toString());
    expect(log.readCached(offsets[0]!, 4096)).toBeUndefined();
    await log.close();
  });

  it('rolls segments at the threshold, names them by global offset, and never splits a record', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { maxSegmentBytes: 300 });
    for (let i = 0; i < 10; i++) await log.append(record(i, 100), 1);
    await log.close();
    const segments = await listSegments(path.join(root, 'orders'));
    expect(segments.map((s) => path.basename(s.path))).toEqual([0, 300, 600, 900].map(segmentFileName));
    for (const seg of segments) {
      const text = fs.readFileSync(seg.path, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.slice(0, -1).split('\n'))
        expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    const reopened = await openLog(root, 'orders', { maxSegmentBytes: 300 });
    expect(reopened.end).toBe(1000);
    expect(await readAll(reopened)).toHaveLength(10);
    await reopened.close();
  });

  it('repairs a torn tail on open, logging the bytes removed, and appends cleanly after it', async () => {
    const root = tempDir();
    const log = await openLog(root);
    await log.append(record(1), 1);
    await log.append(record(2), 1);
    await log.close();
    const file = path.join(root, 'orders', segmentFileName(0));
    fs.appendFileSync(file, '{"n":3,"pad":"half a rec');
    const logger = new MemoryLogger();
    const reopened = await openLog(root, 'orders', { logger });
    expect(reopened.end).toBe(128);
    const repair = logger.find('repaired torn tail');
    expect(repair).toHaveLength(1);
    expect(repair[0]?.fields['bytes_removed']).toBe(24);
    await reopened.append(record(4), 1);
    expect((await readAll(reopened)).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([1, 2, 4]);
    await reopened.close();
  });

  it('never returns the bytes of a record still being written by another process', async () => {
    const root = tempDir();
    const reader = await reopenedReader(root);
    const file = path.join(root, 'orders', segmentFileName(0));
    const full = record(2).toString();
    fs.appendFileSync(file, full.slice(0, 20));
    await reader.refresh();
    expect(reader.end).toBe(64 + 20);
    const partial = await reader.read(64, 4096);
    expect(partial.data.length).toBe(0);
    expect(partial.next).toBe(64);
    fs.appendFileSync(file, full.slice(20));
    await reader.refresh();
    const whole = await reader.read(64, 4096);
    expect(whole.data.toString()).toBe(full);
    await reader.close();
  });

  it('jumps an offset below the oldest segment forward and reports the gap', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { maxSegmentBytes: 128 });
    for (let i = 0; i < 6; i++) await log.append(record(i), 1);
    await log.deleteSegmentsBelow(256);
    expect(log.start).toBe(256);
    const res = await log.read(0, 4096);
    expect(res.skipped).toEqual({ from: 0, to: 256, reason: 'gap' });
    expect(res.start).toBe(256);
    expect((JSON.parse(res.data.toString().split('\n')[0]!) as { n: number }).n).toBe(4);
    await log.close();
  });

  it('skips a record longer than the record limit instead of wedging readers', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { maxRecordBytes: 100, tailCacheBytes: 0 });
    await log.append(record(1, 50), 1);
    await log.append(record(2, 5000), 1);
    await log.append(record(3, 50), 1);
    const first = await log.read(50, 64);
    expect(first.skipped?.reason).toBe('oversized');
    expect(first.next).toBe(5050);
    const after = await log.read(first.next, 4096);
    expect((JSON.parse(after.data.toString()) as { n: number }).n).toBe(3);
    await log.close();
  });

  it('stores appends made before the writer exists in the order they were made', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { syncPolicy: 'none' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(record(i), 1)));
    expect(results.map((r) => r.start)).toEqual(Array.from({ length: 50 }, (_, i) => i * 64));
    const stored = (await readAll(log)).map((l) => (JSON.parse(l) as { n: number }).n);
    expect(stored).toEqual([...Array(50).keys()]);
    await log.close();
  });

  it('lets the event loop turn while a caller appends in a tight await loop', async () => {
    // One segment for everything: rolling a segment (an fsync) would turn the loop by itself.
    const log = await openLog(tempDir(), 'orders', { syncPolicy: 'none', maxSegmentBytes: 64 << 20 });
    await log.append(record(0), 1); // opens the writer (real I/O, which turns the loop)
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    let appends = 0;
    // Appends resolve from microtasks; without a turn budget this loop would never let setImmediate run.
    while (!turned && appends < 100_000) {
      await log.append(record(appends), 1);
      appends++;
    }
    expect(turned).toBe(true);
    expect(appends).toBeLessThan(100_000);
    await log.close();
  });

  it('wakes a waiting reader when a record is committed', async () => {
    const root = tempDir();
    const log = await openLog(root);
    const waiting = untilGrowth(log, log.end);
    let woken = false;
    void waiting.then(() => (woken = true));
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(false);
    await log.append(record(1), 1);
    await waiting;
    expect(woken).toBe(true);
    await log.close();
  });

  it('calls a growth callback once, at once when already grown, and never after it is cancelled', async () => {
    const root = tempDir();
    const log = await openLog(root);
    const calls: string[] = [];
    const seen = log.end;
    const cancelled = log.onGrowth(seen, () => calls.push('cancelled'));
    log.onGrowth(seen, () => calls.push('waiting'));
    cancelled();
    await log.append(record(1), 1);
    await log.append(record(2), 1);
    log.onGrowth(seen, () => calls.push('already grown'));
    expect(calls).toEqual(['waiting', 'already grown']);
    const aborted = new AbortController();
    const waiting = untilGrowth(log, log.end, aborted.signal);
    aborted.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await log.append(record(3), 1);
    expect(calls).toEqual(['waiting', 'already grown']);
    await log.close();
  });

  it('wakes a reader that starts waiting after another process appended while nobody watched', async () => {
    const root = tempDir();
    const reader = await reopenedReader(root);
    const seen = reader.end;
    fs.appendFileSync(path.join(root, 'orders', segmentFileName(0)), record(2));
    await untilGrowth(reader, seen); // a lone ChannelLog has no safety poll: only the watch can wake it
    expect(reader.end).toBe(128);
    await reader.close();
  });

  it('wakes a waiting reader when another process appends (file watch or safety poll)', async () => {
    const root = tempDir();
    const reader = await reopenedReader(root);
    const waiting = untilGrowth(reader, reader.end);
    fs.appendFileSync(path.join(root, 'orders', segmentFileName(0)), record(2));
    await waiting;
    expect(reader.end).toBe(128);
    await reader.close();
  });
});
