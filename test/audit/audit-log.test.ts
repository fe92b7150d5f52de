import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, expect, vi } from 'vitest';
import { AUDIT_FILE_NAME, AuditEvent, AuditLog } from '../../internal/audit/index.js';
import type { AuditLogOptions } from '../../internal/audit/index.js';
import { systemClock, type Clock } from '../../internal/clock/index.js';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import type { LogFields, Logger } from '../../internal/logger/index.js';

interface LogCall {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly msg: string;
}

/** A logger that records every call. */
function recordingLogger(calls: LogCall[] = []): Logger & { calls: LogCall[] } {
  const at =
    (level: LogCall['level']) =>
    (fields: LogFields, msg: string): void => {
      calls.push({ level, fields, msg });
    };
  return {
    calls,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => recordingLogger(calls),
  };
}

const NOW = Date.parse('2024-05-06T07:08:09.010Z');

/** A clock frozen at NOW whose intervals fire only when the test says so. */
function manualClock(): { clock: Clock; fireIntervals: () => void; intervals: Set<() => void> } {
  const intervals = new Set<() => void>();
  const unused = (): never => {
    throw new Error('AuditLog does not use this clock method');
  };
  const clock: Clock = {
    now: () => NOW,
    sleep: unused,
    setTimeout: unused,
    setInterval: (fn) => {
      intervals.add(fn);
      return { clear: () => intervals.delete(fn) };
    },
  };
  return {
    clock,
    intervals,
    fireIntervals: () => {
      for (const fn of intervals) fn();
    },
  };
}

let dir: string;
let logger: ReturnType<typeof recordingLogger>;
let time: ReturnType<typeof manualClock>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyop-audit-'));
  logger = recordingLogger();
  time = manualClock();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function openLog(options: Partial<AuditLogOptions> = {}): AuditLog {
  return new AuditLog({ dir: join(dir, 'audit'), logger, clock: time.clock, gatherMs: 0, ...options });
}

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

async function waitForWritten(audit: AuditLog, count: number): Promise<void> {
  await vi.waitFor(
    () => {
      expect(audit.stats().written).toBe(count);
    },
    { interval: 2 },
  );
}

function detailsOf(lines: readonly string[]): string[] {
  return lines.map((line) => (JSON.parse(line) as { detail: string }).detail);
}

describe('AuditLog writing', () => {
  it('appends one JSON line per event with Go field order, omitting empty fields', async () => {
    const audit = openLog();
    audit.log({
      detail: 'addr=10.0.0.1:5555 sub=[a,b]',
      peer_addr: '10.0.0.1:5555',
      peer: 'billing',
      event: AuditEvent.CLIENT_CONNECTED,
    });
    audit.log({
      event: AuditEvent.FORWARD,
      message_id: 'id-1',
      channel: 'alerts',
      direction: 'inbound',
      peer: 'hub1',
      peer_addr: '',
      ts: new Date('2020-01-02T03:04:05.000Z'),
    });
    await audit.close();

    expect(await readLines(join(dir, 'audit', AUDIT_FILE_NAME))).toEqual([
      '{"ts":"2024-05-06T07:08:09.010Z","event":"client_connected","peer":"billing","peer_addr":"10.0.0.1:5555","detail":"addr=10.0.0.1:5555 sub=[a,b]"}',
      '{"ts":"2020-01-02T03:04:05.000Z","event":"forward","message_id":"id-1","channel":"alerts","direction":"inbound","peer":"hub1"}',
    ]);
    expect(audit.stats()).toEqual({ written: 2, dropped: 0, writeFailures: 0 });
  });

  it('writes one line per id for logMessages, the same lines log would write', async () => {
    const audit = openLog();
    const shared = {
      event: AuditEvent.FORWARD,
      channel: 'alerts',
      direction: 'inbound',
      peer: 'a"b',
    } as const;
    // Ids copied as they are, and ids that need escaping or are not ASCII (serialised by JSON.stringify).
    const ids = [
      'id-1',
      '',
      'id-"3"',
      '0194a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b',
      'back\\slash',
      'é',
      'x\ny',
      '😀',
      '\ud800',
      '~ !',
    ];
    audit.logMessages(shared, ids);
    for (const id of ids) audit.log({ ...shared, message_id: id });
    await audit.close();
    const lines = await readLines(join(dir, 'audit', AUDIT_FILE_NAME));
    expect(lines).toHaveLength(2 * ids.length);
    expect(lines.slice(0, ids.length)).toEqual(lines.slice(ids.length));
    expect(lines.map((line) => (JSON.parse(line) as { message_id?: string }).message_id ?? '')).toEqual([
      ...ids,
      ...ids,
    ]);
    expect(lines[0]).toBe(
      '{"ts":"2024-05-06T07:08:09.010Z","event":"forward","message_id":"id-1","channel":"alerts","direction":"inbound","peer":"a\\"b"}',
    );
    expect(lines[1]).not.toContain('message_id');
    expect(audit.stats()).toEqual({ written: 2 * ids.length, dropped: 0, writeFailures: 0 });
  });

  it('writes the same lines as log for plain ids, with ASCII and non-ASCII shared fields', async () => {
    const audit = openLog();
    const ids = Array.from(
      { length: 300 },
      (_, i) => `0194a2b3-c4d5-7e6f-8a9b-${String(i).padStart(12, '0')}`,
    );
    for (const peer of ['hub1', 'hüb']) {
      const shared = { event: AuditEvent.FORWARD, channel: 'alerts', direction: 'inbound', peer } as const;
      audit.logMessages(shared, ids);
      for (const id of ids) audit.log({ ...shared, message_id: id });
    }
    await audit.close();
    const lines = await readLines(join(dir, 'audit', AUDIT_FILE_NAME));
    expect(lines).toHaveLength(4 * ids.length);
    for (let half = 0; half < 2; half++) {
      const at = half * 2 * ids.length;
      expect(lines.slice(at, at + ids.length)).toEqual(lines.slice(at + ids.length, at + 2 * ids.length));
    }
    expect(lines[2 * ids.length]).toContain('"peer":"hüb"');
  });

  it('creates the directory and a 0644-style file (owner rw, no exec, not group/other writable)', async () => {
    const audit = openLog();
    audit.log({ event: AuditEvent.CLIENT_REJECTED, peer: 'mallory' });
    await audit.close();
    const mode = (await stat(audit.path)).mode & 0o777;
    expect(mode & 0o600).toBe(0o600);
    expect(mode & 0o133).toBe(0);
  });

  it('keeps order across many turns and appends to an existing file', async () => {
    const first = openLog();
    for (let i = 0; i < 5; i++) first.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    await waitForWritten(first, 5);
    for (let i = 5; i < 10; i++) first.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    await first.close();

    const second = openLog();
    second.log({ event: AuditEvent.FORWARD, detail: 'n=10' });
    await second.close();
    expect(detailsOf(await readLines(second.path))).toEqual(Array.from({ length: 11 }, (_, i) => `n=${i}`));
  });

  it('cuts away a torn line left at the end of the file before appending', async () => {
    const audit = openLog({ dir });
    await writeFile(audit.path, '{"ts":"a","event":"forward"}\n{"ts":"x","ev');
    audit.log({ event: AuditEvent.PEER_DISCONNECTED, peer_addr: 'hub:7740' });
    await audit.close();
    const lines = await readLines(audit.path);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('{"ts":"a","event":"forward"}');
    expect(JSON.parse(lines[1]!)).toMatchObject({ event: 'peer_disconnected', peer_addr: 'hub:7740' });
    expect(logger.calls.some((c) => c.level === 'warn' && c.fields['bytes_removed'] === 13)).toBe(true);
  });

  it('lets events gather before a write, and writes them at once on close', async () => {
    const audit = openLog({ clock: systemClock, gatherMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
      await new Promise((r) => setImmediate(r));
    }
    expect(audit.stats()).toEqual({ written: 0, dropped: 0, writeFailures: 0 });
    await audit.close();
    expect(detailsOf(await readLines(audit.path))).toEqual(['n=0', 'n=1', 'n=2']);
    expect(audit.stats()).toEqual({ written: 3, dropped: 0, writeFailures: 0 });
  });

  it('stamps events with the time they were logged, though the writer formats them later', async () => {
    let now = Date.parse('2026-11-23T10:00:00.000Z');
    const audit = openLog({ clock: { ...time.clock, now: () => now }, gatherMs: 0 });
    audit.log({ event: AuditEvent.PEER_CONNECTED, peer: 'a' });
    audit.logMessages({ event: AuditEvent.FORWARD, peer: 'a' }, ['m1']);
    now += 5_000;
    await audit.close();
    expect((await readLines(audit.path)).map((l) => (JSON.parse(l) as { ts: string }).ts)).toEqual([
      '2026-11-23T10:00:00.000Z',
      '2026-11-23T10:00:00.000Z',
    ]);
  });

  it('close flushes everything queued and is idempotent', async () => {
    const audit = openLog();
    for (let i = 0; i < 200; i++) audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    const closing = audit.close();
    expect(audit.close()).toBe(closing);
    await closing;
    expect(await readLines(audit.path)).toHaveLength(200);
    expect(audit.stats()).toEqual({ written: 200, dropped: 0, writeFailures: 0 });
    expect(time.intervals.size).toBe(0);
  });

  it('counts log after close as a drop without throwing or writing', async () => {
    const audit = openLog();
    audit.log({ event: AuditEvent.FORWARD });
    await audit.close();
    expect(() => {
      audit.log({ event: AuditEvent.FORWARD });
    }).not.toThrow();
    expect(audit.stats()).toEqual({ written: 1, dropped: 1, writeFailures: 0 });
    expect(await readLines(audit.path)).toHaveLength(1);
  });

  it('drops an event with an invalid timestamp instead of throwing', async () => {
    const audit = openLog();
    audit.log({ event: AuditEvent.FORWARD, ts: new Date(Number.NaN) });
    audit.log({ event: AuditEvent.FORWARD });
    await audit.close();
    expect(audit.stats()).toEqual({ written: 1, dropped: 1, writeFailures: 0 });
  });
});

describe('AuditLog drops', () => {
  it('drops events beyond the queue size, counts them and reports them once per interval', async () => {
    const audit = openLog({ queueSize: 2 });
    for (let i = 0; i < 5; i++) audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    expect(audit.stats()).toEqual({ written: 0, dropped: 3, writeFailures: 0 });

    time.fireIntervals();
    const warnings = (): LogCall[] => logger.calls.filter((c) => c.level === 'warn');
    expect(warnings()).toEqual([
      { level: 'warn', fields: { dropped: 3, total: 3 }, msg: 'audit: events dropped' },
    ]);
    time.fireIntervals();
    expect(warnings()).toHaveLength(1);

    await audit.close();
    expect(detailsOf(await readLines(audit.path))).toEqual(['n=0', 'n=1']);
    expect(audit.stats()).toEqual({ written: 2, dropped: 3, writeFailures: 0 });
    expect(warnings()).toHaveLength(1);
  });

  it('takes from logMessages only as many ids as the queue has room for', async () => {
    const audit = openLog({ queueSize: 3 });
    audit.log({ event: AuditEvent.FORWARD, detail: 'first' });
    audit.logMessages({ event: AuditEvent.FORWARD }, ['a', 'b', 'c', 'd']);
    audit.logMessages({ event: AuditEvent.FORWARD }, ['e']);
    expect(audit.stats()).toEqual({ written: 0, dropped: 3, writeFailures: 0 });
    await audit.close();
    const ids = (await readLines(audit.path)).map(
      (l) => (JSON.parse(l) as { message_id?: string }).message_id,
    );
    expect(ids).toEqual([undefined, 'a', 'b']);
    expect(audit.stats()).toEqual({ written: 3, dropped: 3, writeFailures: 0 });
  });

  it('reports drops not yet reported when closing', async () => {
    const audit = openLog({ queueSize: 1 });
    audit.log({ event: AuditEvent.FORWARD });
    audit.log({ event: AuditEvent.FORWARD });
    await audit.close();
    expect(logger.calls.filter((c) => c.level === 'warn').map((c) => c.fields)).toEqual([
      { dropped: 1, total: 1 },
    ]);
  });

  it('drops events while the file cannot be opened, logs once, and recovers at a later write', async () => {
    const blocked = join(dir, 'audit');
    await writeFile(blocked, 'a file where the directory should be');
    const audit = openLog();
    audit.log({ event: AuditEvent.FORWARD, detail: 'lost-1' });
    await vi.waitFor(() => {
      expect(audit.stats().dropped).toBe(1);
    });
    audit.log({ event: AuditEvent.FORWARD, detail: 'lost-2' });
    await vi.waitFor(() => {
      expect(audit.stats().dropped).toBe(2);
    });
    expect(logger.calls.filter((c) => c.level === 'error')).toHaveLength(1);
    expect(logger.calls[0]!.msg).toMatch(/cannot open log file/);

    await rm(blocked);
    audit.log({ event: AuditEvent.FORWARD, detail: 'kept' });
    await audit.close();
    expect(detailsOf(await readLines(audit.path))).toEqual(['kept']);
    expect(audit.stats()).toEqual({ written: 1, dropped: 2, writeFailures: 0 });
    expect(logger.calls.some((c) => c.level === 'info' && c.msg === 'audit: log file open again')).toBe(true);
    expect(logger.calls.some((c) => c.level === 'warn' && c.fields['dropped'] === 2)).toBe(true);
  });
});

describe('AuditLog rotation', () => {
  const MAX_BYTES = 300;

  async function auditFiles(): Promise<string[]> {
    return (await readdir(join(dir, 'audit'))).sort();
  }

  it('rotates when the live file reaches the limit and keeps exactly maxFiles rotated files', async () => {
    const audit = openLog({ maxSizeBytes: MAX_BYTES, maxFiles: 2 });
    // 40 events in one turn (rotation inside one batch), then 20 more one turn at a time.
    for (let i = 0; i < 40; i++) audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    for (let i = 40; i < 60; i++) {
      await waitForWritten(audit, i);
      audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    }
    await audit.close();

    expect(await auditFiles()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    const rotated = [`${audit.path}.2`, `${audit.path}.1`];
    for (const path of rotated) {
      const lines = await readLines(path);
      const size = (await stat(path)).size;
      expect(size).toBeGreaterThanOrEqual(MAX_BYTES);
      expect(size - Buffer.byteLength(`${lines.at(-1)!}\n`)).toBeLessThan(MAX_BYTES);
    }
    expect((await stat(audit.path)).size).toBeLessThan(MAX_BYTES);

    const kept = detailsOf([
      ...(await readLines(rotated[0]!)),
      ...(await readLines(rotated[1]!)),
      ...(await readLines(audit.path)),
    ]);
    const first = Number(kept[0]!.slice(2));
    expect(first).toBeGreaterThan(0);
    expect(kept).toEqual(Array.from({ length: 60 - first }, (_, i) => `n=${first + i}`));
  });

  it('removes rotated files beyond maxFiles left from a larger earlier setting', async () => {
    const audit = openLog({ maxSizeBytes: MAX_BYTES, maxFiles: 1 });
    audit.log({ event: AuditEvent.FORWARD, detail: 'first' });
    await waitForWritten(audit, 1);
    await writeFile(`${audit.path}.2`, 'old\n');
    await writeFile(`${audit.path}.7`, 'old\n');
    await writeFile(`${audit.path}.backup`, 'not ours\n');
    for (let i = 0; i < 10; i++) audit.log({ event: AuditEvent.FORWARD, detail: `n=${i}` });
    await audit.close();
    expect(await auditFiles()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.backup']);
  });
});

describe('AuditLog options', () => {
  it.each([
    ['maxSizeBytes', { maxSizeBytes: 0 }],
    ['maxFiles', { maxFiles: 0 }],
    ['queueSize', { queueSize: 1.5 }],
    ['dropReportIntervalMs', { dropReportIntervalMs: -1 }],
    ['gatherMs', { gatherMs: -1 }],
  ])('rejects an invalid %s', (name, options) => {
    let thrown: unknown;
    try {
      openLog(options);
    } catch (err) {
      thrown = err;
    }
    expect(hasErrorCode(thrown, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((thrown as Error).message).toContain(name);
  });
});
