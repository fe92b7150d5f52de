import { describe, expect, it } from 'vitest';
import { SkCode, StreamStore } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { auditLines, waitForAudit } from '../support/audit.js';
import { closedAfterEach } from '../support/closing.js';
import { startNode } from '../support/cluster.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { drain, openStore, sequences } from './harness.js';

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
      SkCode.POSITION_AHEAD,
      SkCode.POSITION_BEHIND,
      SkCode.TRX_ID_MISMATCH,
      SkCode.TRX_NUMBER_AHEAD,
    ]);
    expect(store.health('s')).toEqual({ lastPosition: 2, tornEntries: 0, refusedEntries: 5 });
    expect(sequences(await drain(store.consumeSegment('s', 'seg')))).toEqual([1, 2]);
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
