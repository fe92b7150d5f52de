import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { SINGLES_BEFORE_SYNC_ON_LOOP, segmentFileName } from '../../internal/storage/index.js';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { FaultyFs } from '../support/faulty-fs.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';
import { openLog, readAll, record } from './helpers.js';

function segmentText(root: string): string {
  return fs.readFileSync(path.join(root, 'orders', segmentFileName(0)), 'utf8');
}

function expectOnlyWholeRecords(text: string): void {
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
}

describe('LogWriter under faults', () => {
  it('group-commits concurrent appends: one write and one fsync per batch', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty, syncPolicy: 'always' });
    await log.append(record(0), 1);
    const writesBefore = faulty.writes;
    const syncsBefore = faulty.datasyncs;
    await Promise.all(Array.from({ length: 64 }, (_, i) => log.append(record(i + 1), 1)));
    expect(faulty.writes - writesBefore).toBe(1);
    expect(faulty.datasyncs - syncsBefore).toBe(1);
    expect(await readAll(log)).toHaveLength(65);
    await log.close();
  });

  it('a partial write followed by ENOSPC is truncated back; publishers wait and then succeed', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const logger = new MemoryLogger();
    const log = await openLog(root, 'orders', { segmentFs: faulty, logger });
    await log.append(record(1), 1);
    faulty.faults.push({ op: 'write', code: 'ENOSPC', partialBytes: 10 }, { op: 'write', code: 'EIO' });
    const results = await Promise.all([log.append(record(2), 1), log.append(record(3), 1)]);
    expect(results.map((r) => r.start)).toEqual([64, 128]);
    expectOnlyWholeRecords(segmentText(root));
    expect(await readAll(log)).toHaveLength(3);
    expect(logger.find('channel write failed')).toHaveLength(1);
    expect(logger.find('channel writer recovered')).toHaveLength(1);
    await log.close();
  });

  it('keeps publishers waiting while the disk is full and resumes when space returns', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty });
    faulty.diskFull = true;
    let settled = false;
    const pending = log.append(record(1), 1).finally(() => (settled = true));
    await vi.waitFor(() => {
      expect(faulty.writes).toBeGreaterThan(3);
    });
    expect(settled).toBe(false);
    faulty.diskFull = false;
    await expect(pending).resolves.toEqual({ start: 0, end: 64 });
    expectOnlyWholeRecords(segmentText(root));
    await log.close();
  });

  it('keeps a script alive while its publish waits for the disk, until the publish is acknowledged', async () => {
    // A plain script whose only pending work is the publish: before, the retry's unref'd timer let
    // Node exit (code 13, "unsettled top-level await") with the publish never settled.
    const child = spawnFixture('publish-disk-full.mjs', [tempDir(), '3']);
    const lines = stdoutLines(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    expect(await exited(child), stderr).toBe(0);
    expect(lines).toEqual(['{"acked":true}']);
  });

  it('an aborted signal releases a waiting publisher and nothing of its record is stored', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty });
    faulty.diskFull = true;
    const controller = new AbortController();
    const aborted = log.append(record(1), 1, controller.signal);
    const kept = log.append(record(2), 1);
    await vi.waitFor(() => {
      expect(faulty.writes).toBeGreaterThan(2);
    });
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    faulty.diskFull = false;
    await expect(kept).resolves.toEqual({ start: 0, end: 64 });
    expect(await readAll(log)).toEqual([record(2).toString().trimEnd()]);
    await log.close();
  });

  it('an fsync failure with `always` rewrites the batch instead of acknowledging lost bytes', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty, syncPolicy: 'always' });
    faulty.faults.push({ op: 'datasync', code: 'EIO' });
    await expect(log.append(record(1), 1)).resolves.toEqual({ start: 0, end: 64 });
    expect(faulty.datasyncs).toBe(2);
    expect(segmentText(root)).toBe(record(1).toString());
    await log.close();
  });

  it('an fsync failure under a group rewrites the whole group, in order', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty, syncPolicy: 'always' });
    faulty.faults.push({ op: 'datasync', code: 'EIO' });
    const results = await Promise.all([1, 2, 3].map((i) => log.append(record(i), 1)));
    expect(results.map((r) => r.start)).toEqual([0, 64, 128]);
    expect(faulty.datasyncs).toBe(2);
    expect(segmentText(root)).toBe([1, 2, 3].map((i) => record(i).toString()).join(''));
    await log.close();
  });

  it('fsyncs on the calling thread while appends come one record at a time, else in the thread pool', async () => {
    const faulty = new FaultyFs();
    const log = await openLog(tempDir(), 'orders', { segmentFs: faulty, syncPolicy: 'always' });
    const onThread = (): number => faulty.datasyncsNow;
    let n = 0;
    const single = (): Promise<unknown> => log.append(record(n++), 1);
    for (let i = 1; i < SINGLES_BEFORE_SYNC_ON_LOOP; i++) await single();
    expect(onThread()).toBe(0);
    await single();
    expect(onThread()).toBe(1);
    await single();
    expect(onThread()).toBe(2);
    await Promise.all([single(), single()]); // a group: back to the thread pool, streak over
    for (let i = 1; i < SINGLES_BEFORE_SYNC_ON_LOOP; i++) await single();
    expect(onThread()).toBe(2);
    await single();
    expect(onThread()).toBe(3);
    expect(faulty.datasyncs).toBe(2 * SINGLES_BEFORE_SYNC_ON_LOOP + 2);
    await log.close();
  });

  it('an fsync failure on the calling thread rewrites the lone record before acknowledging it', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty, syncPolicy: 'always' });
    const n = SINGLES_BEFORE_SYNC_ON_LOOP;
    for (let i = 0; i < n; i++) await log.append(record(i), 1);
    expect(faulty.datasyncsNow).toBe(1);
    faulty.faults.push({ op: 'datasync', code: 'EIO' });
    await expect(log.append(record(n), 1)).resolves.toEqual({ start: 64 * n, end: 64 * (n + 1) });
    expect(faulty.datasyncs).toBe(n + 2);
    expect(segmentText(root)).toBe(Array.from({ length: n + 1 }, (_, i) => record(i).toString()).join(''));
    expect(await readAll(log)).toHaveLength(n + 1);
    await log.close();
  });

  it('stops for good when a failed write cannot be truncated, failing pending and later appends clearly', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty });
    await log.append(record(1), 1);
    faulty.faults.push({ op: 'write', code: 'EIO', partialBytes: 5 }, { op: 'truncate', code: 'EIO' });
    const first = log.append(record(2), 1);
    await expect(first).rejects.toSatisfy((err: unknown) => hasErrorCode(err, ErrorCode.WRITER_FAILED));
    await expect(first).rejects.toThrow(/could not be truncated back/);
    await expect(log.append(record(3), 1)).rejects.toSatisfy((err: unknown) =>
      hasErrorCode(err, ErrorCode.WRITER_FAILED),
    );
    await log.close();
  });

  it('close rejects appends still waiting on a full disk with ERR_WRITER_CLOSED', async () => {
    const root = tempDir();
    const faulty = new FaultyFs();
    const log = await openLog(root, 'orders', { segmentFs: faulty });
    faulty.diskFull = true;
    const pending = log.append(record(1), 1);
    await vi.waitFor(() => {
      expect(faulty.writes).toBeGreaterThan(1);
    });
    await log.close();
    await expect(pending).rejects.toSatisfy((err: unknown) => hasErrorCode(err, ErrorCode.WRITER_CLOSED));
    expect(segmentText(root)).toBe('');
  });
});
