import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Messenger, type StartPosition } from '../../src/index.js';
import { collector } from '../support/messages.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';
import { FakeClock } from '../support/fake-clock.js';

async function withRecords(count: number, logger = new MemoryLogger()) {
  const dataDir = tempDir();
  const m = await Messenger.open({ storage: { dataDir } }, { logger });
  const receipts = [];
  for (let i = 0; i < count; i++) receipts.push(await m.publish('orders', 'N', i));
  return { m, receipts, logger, offsetFile: path.join(dataDir, 'subscribers', 'orders', 'r.offset') };
}

describe('subscribe start positions', () => {
  it.each([
    ['a Date from plain JavaScript', new Date(0), /got a Date/],
    ['a negative offset', -1, /got -1/],
    ['a fraction', 1.5, /got 1\.5/],
    ['another word', 'start', /got "start"/],
    ['an invalid Date as a time', { time: new Date(Number.NaN) }, /got \{ time: a Date \(Invalid Date\) \}/],
    ['a negative time', { time: -5 }, /got \{ time: -5 \}/],
    ['a time that is not a Date or a number', { time: '2026-12-05' }, /got \{ time: "2026-12-05" \}/],
  ])('refuses %s with ERR_INVALID_ARGUMENT and writes no offset file', async (_name, from, message) => {
    const { m, offsetFile } = await withRecords(1);
    const subscribing = m.subscribe('orders', 'r', () => undefined, { from: from as StartPosition });
    await expect(subscribing).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message });
    await expect(subscribing).rejects.toThrow(/channel "orders", reader "r"/);
    expect(fs.existsSync(offsetFile)).toBe(false);
    // The next subscribe with a valid position works.
    const got = collector<number>();
    await m.subscribe('orders', 'r', got.handler, { from: 'beginning' });
    await got.waitFor(1);
    await m.close();
  });

  it('refuses an offset past the end of the channel, naming the end', async () => {
    const { m, receipts } = await withRecords(2);
    const end = m.stats().channels['orders']?.endOffset;
    expect(end).toBeGreaterThan(receipts[1]!.offset);
    const subscribing = m.subscribe('orders', 'r', () => undefined, { from: 99_999_999 });
    await expect(subscribing).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(subscribing).rejects.toThrow(
      `start offset 99999999 is past the end of the channel (${end})`,
    );
    await m.close();
  });

  it('starts an offset inside a record at the next record, and says so', async () => {
    const { m, receipts, logger } = await withRecords(3);
    const got = collector<number>();
    await m.subscribe('orders', 'r', got.handler, { from: receipts[1]!.offset + 5 });
    await got.waitFor(1);
    expect(got.messages.map((x) => x.payload)).toEqual([2]);
    const warning = logger.find('start offset is inside a record')[0];
    expect(warning?.fields).toMatchObject({ requested: receipts[1]!.offset + 5, start: receipts[2]!.offset });
    await m.close();
  });

  it('starts an offset at a record boundary there, without a warning', async () => {
    const { m, receipts, logger } = await withRecords(3);
    const got = collector<number>();
    await m.subscribe('orders', 'r', got.handler, { from: receipts[1]!.offset });
    await got.waitFor(2);
    expect(got.messages.map((x) => x.payload)).toEqual([1, 2]);
    expect(logger.find('start offset is inside a record')).toEqual([]);
    await m.close();
  });

  it("starts at the first record at or after a time (a Date or milliseconds), by the envelopes' ts", async () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 12));
    const m = await Messenger.open({ storage: { dataDir: tempDir(), syncPolicy: 'always' } }, { clock });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      times.push(clock.now());
      await m.publish('orders', 'N', i);
      await clock.advance(1000);
    }
    const fromDate = collector<number>();
    await m.subscribe('orders', 'by-date', fromDate.handler, { from: { time: new Date(times[2]!) } });
    await fromDate.waitFor(4);
    expect(fromDate.messages.map((x) => x.payload)).toEqual([2, 3, 4, 5]);
    const fromMs = collector<number>();
    await m.subscribe('orders', 'by-ms', fromMs.handler, { from: { time: times[3]! + 1 } });
    await fromMs.waitFor(2);
    expect(fromMs.messages.map((x) => x.payload)).toEqual([4, 5]);
    // After the last record: only what is published from now on.
    const later = collector<number>();
    await m.subscribe('orders', 'later', later.handler, { from: { time: clock.now() + 60_000 } });
    await m.publish('orders', 'N', 6);
    await later.waitFor(1);
    expect(later.messages.map((x) => x.payload)).toEqual([6]);
    await m.close();
  });

  it('rejects a corrupt offset file with ERR_OFFSET_FILE_CORRUPT naming the file', async () => {
    const { m, offsetFile: file } = await withRecords(1);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'Thu Jan 01 1970\n');
    const subscribing = m.subscribe('orders', 'r', () => undefined);
    await expect(subscribing).rejects.toMatchObject({ code: 'ERR_OFFSET_FILE_CORRUPT' });
    await expect(subscribing).rejects.toThrow(`offset file ${file} is corrupt`);
    await m.close();
  });
});
