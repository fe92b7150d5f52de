import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkCode, type StreamStore } from '../../src/index.js';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { closeAll, drain, openStore, range, sequences, spaceFile, healthOf } from './harness.js';

interface Snapshot {
  spaces: string[];
  segments: Record<string, string[]>;
  statuses: unknown[];
  entries: unknown[];
  peeks: unknown[];
}

async function snapshot(store: StreamStore): Promise<Snapshot> {
  const spaces = store.getSpaces();
  const segments: Record<string, string[]> = {};
  const statuses: unknown[] = [];
  const entries: unknown[] = [];
  const peeks: unknown[] = [];
  for (const space of spaces) {
    segments[space] = store.getSegments(space);
    entries.push(...(await drain(store.consumeSpace(space))));
    for (const segment of segments[space]) {
      statuses.push(store.getSegmentStatus(space, segment));
      peeks.push(await store.peek(space, segment));
    }
  }
  return { spaces, segments, statuses, entries, peeks };
}

function lines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

describe('streamkit index rebuild', () => {
  it('rebuilds after reopen an index equal to the live one, and continues sequences and positions', async () => {
    const { store, dataDir } = await openStore();
    const trxId = crypto.randomUUID();
    const original = await store.produce('s', 'a', [{ data: 1 }, { data: 2 }], { trxId });
    await store.append('s', 'b', new Uint8Array([1, 2]), { metadata: { m: 'x' } });
    await store.produce('t', 'a', [{ data: 'x' }, { data: 'y' }, { data: 'z' }]);
    await store.append('s', 'a', 3);
    const live = await snapshot(store);
    await closeAll();
    const reopened = (await openStore({ dataDir })).store;
    expect(await snapshot(reopened)).toEqual(live);
    expect(await reopened.produce('s', 'a', [{ data: 1 }, { data: 2 }], { trxId })).toEqual(original);
    const next = await reopened.append('s', 'a', 4, { expectedLastSequence: 3 });
    expect(next.lastSequence).toBe(4);
    const entries = await drain(reopened.consumeSpace('s'));
    expect(entries.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.at(-1)?.trx.number).toBe(3);
    expect(reopened.health('s')).toEqual(healthOf({ lastPosition: 5 }));
  });

  it('marks space channels retained', async () => {
    const { store, dataDir } = await openStore();
    await store.append('s', 'a', 1);
    expect(fs.existsSync(path.join(dataDir, 'channels', 'sk.orders.s', '.retained'))).toBe(true);
  });

  it('seals a torn transaction with an abort marker: none of it becomes visible, and its places are reused', async () => {
    const { store, dataDir } = await openStore();
    await store.produce('s', 'seg', [{ data: 'kept-1' }, { data: 'kept-2' }]);
    await store.produce(
      's',
      'seg',
      range(5).map((i) => ({ data: `torn-${i}` })),
    );
    await closeAll();
    const file = spaceFile(dataDir, 's');
    const all = lines(file);
    // A crash mid-append: the two committed lines, two whole lines and half of a third of the second trx.
    const third = all[4] ?? '';
    fs.writeFileSync(file, `${all.slice(0, 4).join('\n')}\n${third.slice(0, third.length >> 1)}`);
    const logger = new MemoryLogger();
    const reopened = (await openStore({ dataDir, logger })).store;
    expect((await drain(reopened.consumeSegment('s', 'seg'))).map((e) => e.data)).toEqual([
      'kept-1',
      'kept-2',
    ]);
    expect(reopened.getSegmentStatus('s', 'seg')?.lastSequence).toBe(2);
    expect(reopened.health('s').tornEntries).toBe(2);
    expect(logger.find('sealed a torn transaction')).toHaveLength(1);
    const after = lines(file);
    expect(JSON.parse(after.at(-1) ?? '{}')).toMatchObject({
      payload_type: 'streamkit.trx-abort.v1',
      payload: { position: 3, count: 5, found: 2 },
    });
    const status = await reopened.append('s', 'seg', 'next', { expectedLastSequence: 2 });
    expect(status.lastSequence).toBe(3);
    expect((await reopened.peek('s', 'seg')).position).toBe(3);
    await closeAll();
    const again = (await openStore({ dataDir })).store;
    expect((await drain(again.consumeSegment('s', 'seg'))).map((e) => e.data)).toEqual([
      'kept-1',
      'kept-2',
      'next',
    ]);
    expect(lines(file).filter((l) => l.includes('streamkit.trx-abort.v1'))).toHaveLength(1);
  });

  it('refuses and logs a gap, a second writer and a foreign origin found in the channel', async () => {
    const { store, dataDir } = await openStore();
    await store.produce('s', 'seg', [{ data: 1 }]);
    await closeAll();
    const file = spaceFile(dataDir, 's');
    const [line] = lines(file);
    const base = JSON.parse(line ?? '{}') as { id: string; origin: string; payload: Record<string, unknown> };
    const forged = (change: (env: typeof base) => void): string => {
      const env = structuredClone(base);
      env.id = crypto.randomUUID();
      const trxId = crypto.randomUUID();
      env.payload['trx'] = { id: trxId, number: 2, index: 0, count: 1 };
      env.payload['sequence'] = 2;
      env.payload['position'] = 2;
      change(env);
      return `${JSON.stringify(env)}\n`;
    };
    fs.appendFileSync(
      file,
      [
        forged((env) => (env.payload['position'] = 7)),
        forged((env) => (env.payload['position'] = 1)),
        forged((env) => (env.origin = 'intruder')),
        forged(() => undefined),
      ].join(''),
    );
    const logger = new MemoryLogger();
    const reopened = (await openStore({ dataDir, logger })).store;
    const codes = logger
      .find('refused by the index checks')
      .map((e) => (e.fields['err'] as { wireCode: number }).wireCode);
    expect(codes).toEqual([SkCode.POSITION_AHEAD, SkCode.TRX_ID_MISMATCH, SkCode.FOREIGN_WRITER]);
    expect(reopened.health('s')).toEqual(healthOf({ lastPosition: 2, refusedEntries: 3 }));
    expect(sequences(await drain(reopened.consumeSegment('s', 'seg')))).toEqual([1, 2]);
  });

  it.each([
    { mode: 'mid-write', signal: 'half-written', visible: [2] },
    { mode: 'any time', signal: 'writing', visible: [2, 10_002] },
  ])(
    'keeps a 10,000-record transaction all or nothing across a SIGKILL of its producer ($mode)',
    async ({ mode, signal, visible }) => {
      const { dataDir } = await openStore();
      await closeAll();
      const child = spawnFixture('streamkit-produce.mjs', [dataDir, '10000', mode]);
      const out = stdoutLines(child);
      await new Promise<void>((resolve) => {
        child.stdout.on('data', () => {
          if (out.includes(signal)) resolve();
        });
      });
      child.kill('SIGKILL');
      expect(await exited(child)).toBe('SIGKILL');
      // Whole lines in the file after the kill (a half line at the end does not count).
      const rawLines = fs.readFileSync(spaceFile(dataDir, 's'), 'utf8').split('\n').length - 1;
      if (mode === 'mid-write') expect(rawLines).toBeGreaterThan(1000);
      const { store } = await openStore({ dataDir });
      const entries = await drain(store.consumeSegment('s', 'seg'));
      expect(visible).toContain(entries.length);
      expect(sequences(entries)).toEqual(range(entries.length));
      expect(entries.slice(0, 2).map((e) => e.data)).toEqual(['base-1', 'base-2']);
      if (mode === 'mid-write') expect(store.health('s').tornEntries).toBe(rawLines - 2);
      const status = await store.append('s', 'seg', 'after', { expectedLastSequence: entries.length });
      expect(status.lastSequence).toBe(entries.length + 1);
    },
  );
});
