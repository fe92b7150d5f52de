import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Messenger } from '../../src/index.js';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

describe('Messenger across processes', () => {
  it('refuses a second process as owner of the data dir', async () => {
    const dataDir = tempDir();
    const m = await Messenger.open({ storage: { dataDir } });
    const child = spawnFixture('open-data-dir.mjs', [dataDir]);
    const lines = stdoutLines(child);
    await exited(child);
    expect(lines[0]).toMatch(
      new RegExp(`^ERR_DATA_DIR_LOCKED: data dir .* is owned by process ${process.pid}`),
    );
    await m.close();
  });

  it('delivers records another process appends, never half a record', async () => {
    const dataDir = tempDir();
    const m = await Messenger.open({ storage: { dataDir } }, { foreignPollIntervalMs: 50 });
    const got = collector<number>();
    await m.subscribe('shared', 'reader', got.handler);
    fs.writeFileSync(path.join(dataDir, 'channels', 'shared', '00000000000000000000.jsonl'), '');
    const child = spawnFixture('append-records.mjs', [dataDir, 'shared', '20']);
    expect(await exited(child)).toBe(0);
    await got.waitFor(20);
    expect(got.messages.map((x) => x.payload)).toEqual([...Array(20).keys()]);
    expect(got.messages.every((x) => x.origin === 'other-process')).toBe(true);
    expect(m.stats().channels['shared']?.corruptRecords).toBe(0);
    await m.close();
  });

  it('kill test: every acknowledged `always` publish survives SIGKILL exactly once, in order, with no torn line', async () => {
    const dataDir = tempDir();
    const child = spawnFixture('publish-burst.mjs', [dataDir]);
    const lines = stdoutLines(child);
    await vi.waitFor(
      () => {
        expect(lines.length).toBeGreaterThan(1500);
      },
      { timeout: 20_000, interval: 5 },
    );
    child.kill('SIGKILL');
    await exited(child);
    const acked = lines.filter((l) => l !== 'ready').map((l) => l.split(' ').map(Number) as [number, number]);

    const m = await Messenger.open({ storage: { dataDir } });
    const got = collector<{ p: number; i: number }>();
    await m.subscribe('burst', 'check', got.handler, { from: 'beginning' });
    const stored = m.stats().channels['burst']!;
    await got.waitFor(acked.length);
    await vi.waitFor(() => {
      expect(m.stats().channels['burst']?.subscribers['check']?.lagBytes).toBe(0);
    });
    expect(stored.corruptRecords).toBe(0);
    const perPublisher = new Map<number, number[]>();
    for (const { payload } of got.messages)
      perPublisher.set(payload.p, [...(perPublisher.get(payload.p) ?? []), payload.i]);
    for (const [p, seqs] of perPublisher)
      expect(seqs, `publisher ${p}`).toEqual([...Array(seqs.length).keys()]);
    for (const [p, i] of acked)
      expect(perPublisher.get(p)?.length ?? 0, `acked ${p}/${i}`).toBeGreaterThan(i);
    await m.close();
    const text = fs.readFileSync(
      path.join(dataDir, 'channels', 'burst', '00000000000000000000.jsonl'),
      'utf8',
    );
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
