import { describe, expect, it } from 'vitest';
import { systemClock } from '../../internal/clock/index.js';
import { Cursor } from '../../internal/delivery/index.js';
import { silentLogger } from '../../internal/logger/index.js';
import type { ChannelLog } from '../../internal/storage/index.js';
import { openLog, record } from '../storage/helpers.js';
import { tempDir } from '../support/temp-dir.js';

async function filledLog(records: number): Promise<ChannelLog> {
  const log = await openLog(tempDir(), 'orders', { syncPolicy: 'none' });
  for (let i = 0; i < records; i++) await log.append(record(i), 1);
  return log;
}

function cursorOn(log: ChannelLog): Promise<Cursor> {
  return Cursor.open(
    { log, id: 'reader', flushIntervalMs: 0, batchBytes: 1 << 20, clock: systemClock, logger: silentLogger },
    'beginning',
  );
}

const numbers = (records: { bytes: Buffer }[]): number[] =>
  records.map((r) => (JSON.parse(r.bytes.toString()) as { n: number }).n);

describe('Cursor read-ahead', () => {
  it('hands out the rest of a read after a partial advance without reading again', async () => {
    const log = await filledLog(10);
    const cursor = await cursorOn(log);
    const first = await cursor.next();
    expect(numbers(first)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await log.append(record(10), 1);
    await cursor.advance(first[3]!.next);
    // A fresh read would include record 10; the rest of the earlier read does not.
    expect(numbers(await cursor.next())).toEqual([4, 5, 6, 7, 8, 9]);
    await cursor.advance(first[9]!.next);
    expect(numbers(await cursor.next())).toEqual([10]);
    await log.close();
  });

  it('reads ahead of its position from a given offset, leaving the position where it is', async () => {
    const log = await filledLog(6);
    const cursor = await cursorOn(log);
    const first = await cursor.next();
    const ahead = await cursor.next(undefined, first[2]!.next);
    expect(numbers(ahead)).toEqual([3, 4, 5]);
    expect(cursor.position).toBe(first[0]!.offset);
    await log.append(record(6), 1);
    expect(numbers(await cursor.next(undefined, first[5]!.next))).toEqual([6]);
    expect(cursor.position).toBe(first[0]!.offset);
    await log.close();
  });
});

describe('Cursor wait', () => {
  it('tells whether records lie past an offset, and calls a growth callback once unless cancelled', async () => {
    const log = await filledLog(2);
    const cursor = await cursorOn(log);
    const read = await cursor.next();
    const end = read[1]!.next;
    expect(cursor.hasMore()).toBe(true);
    expect(cursor.hasMore(end)).toBe(false);
    const calls: string[] = [];
    const cancel = cursor.onGrowth(end, () => calls.push('cancelled'));
    cursor.onGrowth(end, () => calls.push('grown'));
    cancel();
    await log.append(record(2), 1);
    expect(calls).toEqual(['grown']);
    expect(cursor.hasMore(end)).toBe(true);
    await log.close();
  });

  it('waits in next() at the tail until a record is appended, and rejects when aborted', async () => {
    const log = await filledLog(1);
    const cursor = await cursorOn(log);
    const [first] = await cursor.next();
    await cursor.advance(first!.next);
    const waiting = cursor.next();
    await log.append(record(1), 1);
    expect(numbers(await waiting)).toEqual([1]);
    const controller = new AbortController();
    const aborted = cursor.next(controller.signal, log.end);
    controller.abort(new Error('reader left'));
    await expect(aborted).rejects.toThrow('reader left');
    await log.close();
  });
});
