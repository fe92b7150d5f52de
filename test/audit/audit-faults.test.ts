import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AuditEvent, AuditLog, type AuditLogOptions } from '../../internal/audit/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { FaultyFs } from '../support/faulty-fs.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

function openAudit(options: Partial<AuditLogOptions> = {}) {
  const clock = new FakeClock();
  const fileFs = new FaultyFs();
  const logger = new MemoryLogger();
  const audit = new AuditLog({
    dir: join(tempDir(), 'audit'),
    clock,
    fileFs,
    logger,
    gatherMs: 0,
    ...options,
  });
  return { audit, clock, fileFs, logger };
}

/** Every line of the audit file; each must be a whole JSON record. */
async function records(audit: AuditLog): Promise<{ detail: string }[]> {
  const text = await readFile(audit.path, 'utf8').catch(() => '');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { detail: string });
}

function logEvents(audit: AuditLog, names: string[]): void {
  for (const detail of names) audit.log({ event: AuditEvent.FORWARD, detail });
}

describe('AuditLog write failures', () => {
  it('cuts a partial write back, keeps the events and retries them with backoff: no torn line', async () => {
    const { audit, clock, fileFs } = openAudit();
    logEvents(audit, ['first']);
    await vi.waitFor(() => {
      expect(audit.stats().written).toBe(1);
    });
    fileFs.faults.push({ op: 'write', code: 'ENOSPC', partialBytes: 17 });
    logEvents(audit, ['a', 'b', 'c']);
    await vi.waitFor(() => {
      expect(audit.stats().writeFailures).toBe(1);
    });
    expect((await records(audit)).map((r) => r.detail)).toEqual(['first']);
    expect(clock.sleeps).toEqual([100]);
    await clock.advance(100);
    await vi.waitFor(() => {
      expect(audit.stats().written).toBe(4);
    });
    expect((await records(audit)).map((r) => r.detail)).toEqual(['first', 'a', 'b', 'c']);
    await audit.close();
    expect(audit.stats()).toEqual({ written: 4, dropped: 0, writeFailures: 1 });
  });

  it('while the disk stays full, doubles the delay, queues new events up to queueSize and counts the rest as dropped', async () => {
    const { audit, clock, fileFs, logger } = openAudit({ queueSize: 3 });
    fileFs.diskFull = true;
    logEvents(audit, ['a']);
    await vi.waitFor(() => {
      expect(audit.stats().writeFailures).toBe(1);
    });
    logEvents(audit, ['b', 'c', 'd', 'e']);
    expect(audit.stats().dropped).toBe(1);
    for (const delay of [100, 200, 400]) {
      const failures = audit.stats().writeFailures;
      await clock.advance(delay);
      await vi.waitFor(() => {
        expect(audit.stats().writeFailures).toBe(failures + 1);
      });
    }
    expect(clock.sleeps).toEqual([100, 200, 400, 800]);
    fileFs.diskFull = false;
    await clock.advance(800);
    await vi.waitFor(() => {
      expect(audit.stats().written).toBe(4);
    });
    expect((await records(audit)).map((r) => r.detail)).toEqual(['a', 'b', 'c', 'd']);
    expect(logger.find('audit: write failed')).toHaveLength(1);
    await audit.close();
    expect(audit.stats()).toEqual({ written: 4, dropped: 1, writeFailures: 4 });
  });

  it('reopens and cuts the torn line away when even the cut-back fails', async () => {
    const { audit, clock, fileFs } = openAudit();
    fileFs.faults.push({ op: 'write', code: 'EIO', partialBytes: 9 }, { op: 'truncate', code: 'EIO' });
    logEvents(audit, ['a', 'b']);
    await vi.waitFor(() => {
      expect(audit.stats().writeFailures).toBe(1);
    });
    await clock.advance(100);
    await vi.waitFor(() => {
      expect(audit.stats().written).toBe(2);
    });
    expect((await records(audit)).map((r) => r.detail)).toEqual(['a', 'b']);
    await audit.close();
  });

  it('drops and counts what still cannot be written at close, leaving whole lines only', async () => {
    const { audit, fileFs } = openAudit();
    fileFs.diskFull = true;
    logEvents(audit, ['a', 'b']);
    await vi.waitFor(() => {
      expect(audit.stats().writeFailures).toBe(1);
    });
    await audit.close();
    expect(audit.stats()).toEqual({ written: 0, dropped: 2, writeFailures: 2 });
    expect(await records(audit)).toEqual([]);
  });
});
