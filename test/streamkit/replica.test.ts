import { describe, expect, it, vi } from 'vitest';
import { SkCode, StreamStore } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { auditLines, waitForAudit } from '../support/audit.js';
import { closedAfterEach } from '../support/closing.js';
import { startNode } from '../support/cluster.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { closeAll, drain, openStore, sequences, healthOf } from './harness.js';

const CHANNEL = 'sk.orders.s';

function entryLine(
  origin: string,
  fields: { position: number; sequence: number; trxId: string; trxNumber: number },
): string {
  return `${JSON.stringify({
    v: 1,
    id: crypto.randomUUID(),
    ts: new Date(1_000).toISOString(),
    channel: CHANNEL,
    origin,
    payload_type: 'streamkit.entry.v1',
    correlation_id: fields.trxId,
    payload: {
      segment: 'seg',
      sequence: fields.sequence,
      position: fields.position,
      timestamp: 1_000,
      trx: { id: fields.trxId, number: fields.trxNumber, index: 0, count: 1 },
      data: fields.position,
    },
  })}\n`;
}

describe('streamkit replica checks while following a channel', () => {
  it('refuses a foreign writer, a gap, a repeat and a second writer as they arrive, and applies the rest', async () => {
    const logger = new MemoryLogger();
    const { store, messenger } = await openStore({ authority: 'hub-1', logger });
    const append = (line: string): Promise<unknown> =>
      internalsOf(messenger).append(CHANNEL, Buffer.from(line), 1);
    const first = crypto.randomUUID();
    const applied = new Promise<void>((resolve) => {
      store.subscribeToSpace('s', (s) => {
        if (s.lastSequence === 2) resolve();
      });
    });
    await append(entryLine('hub-1', { position: 1, sequence: 1, trxId: first, trxNumber: 1 }));
    await append(entryLine('node-a', { position: 2, sequence: 2, trxId: crypto.randomUUID(), trxNumber: 2 }));
    await append(entryLine('hub-1', { position: 9, sequence: 2, trxId: crypto.randomUUID(), trxNumber: 2 }));
    await append(entryLine('hub-1', { position: 1, sequence: 1, trxId: first, trxNumber: 1 }));
    await append(entryLine('hub-1', { position: 1, sequence: 1, trxId: crypto.randomUUID(), trxNumber: 1 }));
    await append(entryLine('hub-1', { position: 2, sequence: 2, trxId: crypto.randomUUID(), trxNumber: 3 }));
    await append(entryLine('hub-1', { position: 2, sequence: 2, trxId: crypto.randomUUID(), trxNumber: 2 }));
    await applied;
    const codes = logger
      .find('refused by the index checks')
      .map((e) => (e.fields['err'] as { wireCode: number }).wireCode);
    expect(codes).toEqual([
      SkCode.FOREIGN_WRITER,
      SkCode.POSITION_BEHIND,
      SkCode.TRX_ID_MISMATCH,
      SkCode.TRX_NUMBER_AHEAD,
    ]);
    // The transaction at position 9 is past a gap: held (logged as the gap, 4090), not applied.
    // (Its first missing position is 2 or 3: the space may be loaded only after position 2 is applied.)
    const [gap] = logger.find('gap in the space channel');
    expect(gap?.fields).toMatchObject({ err: { wireCode: SkCode.POSITION_AHEAD }, missingTo: 8 });
    expect(store.health('s')).toEqual(
      healthOf({ lastPosition: 2, refusedEntries: 4, gaps: 1, heldEntries: 1 }),
    );
    expect(sequences(await drain(store.consumeSegment('s', 'seg')))).toEqual([1, 2]);
  });

  it('holds transactions past a gap and applies them, in position order and once, when the gap is filled', async () => {
    const logger = new MemoryLogger();
    const { store, messenger, dataDir } = await openStore({ authority: 'hub-1', logger });
    const append = (...lines: string[]): Promise<unknown> =>
      internalsOf(messenger).append(CHANNEL, Buffer.from(lines.join('')), lines.length);
    const trx = Array.from({ length: 6 }, () => crypto.randomUUID());
    const line = (p: number): string =>
      entryLine('hub-1', { position: p, sequence: p, trxId: trx[p - 1]!, trxNumber: p });
    const reached = (position: number): Promise<void> =>
      new Promise((resolve) => {
        store.subscribeToSpace('s', (s) => {
          if (s.lastSequence >= position) resolve();
        });
      });
    await append(line(1));
    await reached(1);
    // 2 and 3 are late; 6 comes before 5: two gaps, and 5 then joins the runs of 4 and 6.
    await append(line(4), line(6), line(5));
    await vi.waitFor(() => {
      expect(store.health('s').heldEntries).toBe(3);
    });
    expect(
      logger.find('gap in the space channel').map((e) => [e.fields['missingFrom'], e.fields['missingTo']]),
    ).toEqual([
      [2, 3],
      [5, 5],
    ]);
    expect(store.health('s')).toMatchObject({ lastPosition: 1, gaps: 2 });
    const all = reached(6);
    await append(line(2), line(3));
    await all;
    expect(store.health('s')).toMatchObject({ lastPosition: 6, gaps: 2, heldEntries: 0, refusedEntries: 0 });
    const read = async (s: StreamStore): Promise<unknown[]> =>
      (await drain(s.consumeSpace('s'))).map((e) => [e.position, e.data]);
    const expected = [1, 2, 3, 4, 5, 6].map((p) => [p, p]);
    expect(await read(store)).toEqual(expected);
    // Rebuilt from the channel as it lies (1, 4, 6, 5, 2, 3): the same, with no gap left to report.
    await closeAll();
    const rebuilt = new MemoryLogger();
    const reopened = (await openStore({ dataDir, authority: 'hub-1', logger: rebuilt })).store;
    expect(await read(reopened)).toEqual(expected);
    expect(reopened.health('s')).toEqual(healthOf({ lastPosition: 6 }));
    expect(rebuilt.find('gap in the space channel')).toEqual([]);
  });

  it('reports at open a gap the channel still has, and keeps what follows it held', async () => {
    const { messenger, dataDir } = await openStore({ authority: 'hub-1' });
    const lines = [1, 3].map((p) =>
      entryLine('hub-1', { position: p, sequence: p, trxId: crypto.randomUUID(), trxNumber: p }),
    );
    await internalsOf(messenger).append(CHANNEL, Buffer.from(lines.join('')), 2);
    await closeAll();
    const logger = new MemoryLogger();
    const { store } = await openStore({ dataDir, authority: 'hub-1', logger });
    expect(logger.find('gap in the space channel').map((e) => e.fields['missingFrom'])).toEqual([2]);
    expect(store.health('s')).toMatchObject({ lastPosition: 1, gaps: 1, heldEntries: 1 });
    expect(sequences(await drain(store.consumeSegment('s', 'seg')))).toEqual([1]);
  });
});

describe('streamkit replica refusals in the audit log', () => {
  const closing = closedAfterEach();

  it('audits each refused transaction with its code, writer and trx id; applied ones are not audited', async () => {
    // A hub runs, so the federation audit log does.
    const node = await startNode({ name: 'replica', hub: {}, syncPolicy: 'none' });
    closing.push({ close: () => node.stop() });
    const store = await StreamStore.open(node.messenger, { store: 'orders', authority: 'hub-1' });
    closing.push(store);
    const append = (line: string): Promise<unknown> =>
      internalsOf(node.messenger).append(CHANNEL, Buffer.from(line), 1);
    const second = crypto.randomUUID();
    await append(entryLine('hub-1', { position: 1, sequence: 1, trxId: crypto.randomUUID(), trxNumber: 1 }));
    await append(
      entryLine('intruder', { position: 2, sequence: 2, trxId: crypto.randomUUID(), trxNumber: 2 }),
    );
    await append(entryLine('hub-1', { position: 1, sequence: 1, trxId: second, trxNumber: 1 }));
    const foreign = await waitForAudit(node.dataDir, { event: 'streamkit_refused', peer: 'intruder' });
    expect(foreign).toMatchObject({ channel: CHANNEL });
    expect(foreign.detail).toMatch(/^code=4095 trx=[0-9a-f-]{36} entries=1: .*not the authority "hub-1"/);
    const secondWriter = await waitForAudit(node.dataDir, { event: 'streamkit_refused', peer: 'hub-1' });
    expect(secondWriter.detail).toContain(`code=4092 trx=${second} entries=1`);
    expect(auditLines(node.dataDir).filter((l) => l.event === 'streamkit_refused')).toHaveLength(2);
    expect(store.health('s')).toMatchObject({ lastPosition: 1, refusedEntries: 2 });
  });
});
