import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentFileName } from '../../internal/storage/index.js';
import { tempDir } from '../support/temp-dir.js';
import { openLog, readAll, record } from './helpers.js';

describe('ChannelLog.clear', () => {
  it('drops every record and segment but keeps the offset space', async () => {
    const root = tempDir();
    const log = await openLog(root, 'orders', { maxSegmentBytes: 256 });
    for (let i = 0; i < 10; i++) await log.append(record(i), 1);
    const end = log.end;
    expect(log.segments().length).toBeGreaterThan(2);
    const freed = await log.clear();
    expect(freed?.bytes).toBe(end);
    expect(log.start).toBe(end);
    expect(log.end).toBe(end);
    expect(fs.readdirSync(path.join(root, 'orders'))).toEqual([segmentFileName(end)]);
    expect(await readAll(log, 0)).toEqual([]);
    const next = await log.append(record(99), 1);
    expect(next.start).toBe(end);
    expect(await readAll(log)).toEqual([record(99).toString().trim()]);
    await log.close();
    const reopened = await openLog(root, 'orders', { maxSegmentBytes: 256 });
    expect(reopened.start).toBe(end);
    expect(await readAll(reopened)).toEqual([record(99).toString().trim()]);
    await reopened.close();
  });

  it('lets appends made while it runs land after it, none lost', async () => {
    const log = await openLog(tempDir(), 'orders', { syncPolicy: 'periodic' });
    await log.append(record(0), 1);
    const cleared = log.clear();
    const appended = await Promise.all([1, 2, 3].map((i) => log.append(record(i), 1)));
    await cleared;
    expect(appended.map((a) => a.start)).toEqual([...appended.map((a) => a.start)].sort((a, b) => a - b));
    expect(appended[0]?.start).toBe(log.start);
    expect(await readAll(log)).toEqual([1, 2, 3].map((i) => record(i).toString().trim()));
    await log.close();
  });

  it('with an expected end, drops nothing when an append landed past it', async () => {
    const log = await openLog(tempDir(), 'orders', { syncPolicy: 'periodic' });
    await log.append(record(0), 1);
    const checkedEnd = log.end;
    const pending = log.append(record(1), 1);
    expect(await log.clear(checkedEnd)).toBeUndefined();
    await pending;
    expect(await readAll(log)).toEqual([0, 1].map((i) => record(i).toString().trim()));
    expect((await log.clear(log.end))?.bytes).toBe(log.end);
    expect(await readAll(log)).toEqual([]);
    await log.close();
  });

  it('works on a log that was never written in this process, and on an empty one', async () => {
    const root = tempDir();
    const first = await openLog(root);
    await first.append(record(1), 1);
    await first.close();
    const reopened = await openLog(root);
    const end = reopened.end;
    await reopened.clear();
    expect([reopened.start, reopened.end]).toEqual([end, end]);
    expect(await reopened.clear()).toEqual({ segments: 0, bytes: 0 });
    await reopened.close();
    const empty = await openLog(tempDir());
    await empty.clear();
    expect((await empty.append(record(1), 1)).start).toBe(0);
    await empty.close();
  });
});
