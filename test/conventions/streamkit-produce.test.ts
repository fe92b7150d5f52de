/**
 * docs/conventions/streamkit.md §2–§5 against our `StreamStore` authority, driven by the test's own
 * implementation of the convention (written from the document alone): produce and its errors, the
 * records of a space channel, peek and resync through the authority, and the reads.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../support/closing.js';
import { collect, openInstance, openStore, wireStatusOf, type SkInstance } from './streamkit-fixture.js';
import { closeJson, produceBody } from './streamkit-requester.js';
import { consumeMerged } from './streamkit-replica.js';
import { channels, parseEntry, parseSpaceLine, parseStatus } from './streamkit-wire.js';

const closing = closedAfterEach();
const EU = channels.space('orders', 'eu');

/** The space channels of store `orders` on `i` that hold any line. */
function spaceChannelsWithLines(i: SkInstance): string[] {
  const dir = path.join(i.dataDir, 'channels');
  return fs
    .readdirSync(dir)
    .filter((c) => c.startsWith('sk.orders.') && !c.startsWith('sk.orders._') && i.lines(c).length > 0);
}

async function authority(): Promise<SkInstance> {
  const i = await openInstance(closing, 'hub1');
  await openStore(closing, i);
  return i;
}

describe('produce (§4) against the StreamStore authority', () => {
  it('answers one segment-status frame and closes 1000; the channel holds the entries of §2.1', async () => {
    const i = await authority();
    const a = await i.requester.produceRecords(
      'eu',
      'order-1',
      [{ data: { placed: true } }, { data_b64: 'AAEC/w==', metadata: { k: 'v' } }, { data: null }],
      0,
    );
    expect(a.code).toBe(1000);
    expect(a.frames).toHaveLength(1);
    const status = parseStatus(a.frames[0]);
    const lines = i.lines(EU);
    expect(lines).toHaveLength(3);
    const records = lines.map((l) => parseSpaceLine(l));
    const entries = records.map((r) => (r.kind === 'entry' ? r : expect.fail('not an entry')));
    const trxId = entries[0]!.entry.trx.id;
    entries.forEach((e, idx) => {
      expect(e.env.origin).toBe('hub1');
      expect(e.env.channel).toBe(EU);
      expect(e.env.correlation_id).toBe(trxId);
      expect(e.entry).toMatchObject({
        segment: 'order-1',
        sequence: idx + 1,
        position: idx + 1,
        trx: { id: trxId, number: 1, index: idx, count: 3 },
      });
      expect(e.entry.timestamp).toBe(entries[0]!.entry.timestamp);
    });
    expect(entries[0]!.entry.data).toEqual({ placed: true });
    expect(entries[1]!.entry).toMatchObject({ data_b64: 'AAEC/w==', metadata: { k: 'v' } });
    expect('data' in entries[1]!.entry).toBe(false);
    expect(entries[2]!.entry).toHaveProperty('data', null);
    expect(status).toEqual(i.space('eu').status('order-1'));
    expect(status).toEqual({
      space: 'eu',
      segment: 'order-1',
      first_sequence: 1,
      first_timestamp: entries[0]!.entry.timestamp,
      last_sequence: 3,
      last_timestamp: entries[0]!.entry.timestamp,
    });
  });

  it('numbers transactions per segment and positions per space; timestamps never decrease', async () => {
    const i = await authority();
    for (const [segment, n] of [
      ['a', 2],
      ['b', 1],
      ['a', 3],
    ] as const) {
      const records = Array.from({ length: n }, (_, k) => ({ data: k }));
      expect((await i.requester.produceRecords('eu', segment, records, 'any')).code).toBe(1000);
    }
    const r = i.space('eu');
    expect(r.refusals).toEqual([]);
    expect(r.visible.map((e) => [e.segment, e.sequence, e.position, e.trx.number, e.trx.index])).toEqual([
      ['a', 1, 1, 1, 0],
      ['a', 2, 2, 1, 1],
      ['b', 1, 3, 1, 0],
      ['a', 3, 4, 2, 0],
      ['a', 4, 5, 2, 1],
      ['a', 5, 6, 2, 2],
    ]);
    const ts = r.visible.map((e) => e.timestamp);
    expect([...ts].sort((x, y) => x - y)).toEqual(ts);
  });

  it('closes 4009 with {expected, actual, where} on a wrong expected_last_sequence or record sequence; writes nothing', async () => {
    const i = await authority();
    expect((await i.requester.produceRecords('eu', 's', [{ data: 1 }, { data: 2 }], 0)).code).toBe(1000);
    const wrong = await i.requester.produceRecords('eu', 's', [{ data: 3 }], 1);
    expect(wrong.code).toBe(4009);
    expect(closeJson(wrong)).toEqual({ expected: 1, actual: 2, where: 'eu/s' });
    // A record's sequence s at index i expects s − 1 − i.
    const seq = await i.requester.produceRecords(
      'eu',
      's',
      [
        { data: 3, sequence: 3 },
        { data: 4, sequence: 7 },
      ],
      'any',
    );
    expect(seq.code).toBe(4009);
    expect(closeJson(seq)).toEqual({ expected: 5, actual: 2, where: 'eu/s' });
    expect(i.lines(EU)).toHaveLength(2);
    const ok = await i.requester.produceRecords(
      'eu',
      's',
      [
        { data: 3, sequence: 3 },
        { data: 4, sequence: 4 },
      ],
      2,
    );
    expect(ok.code).toBe(1000);
    expect(parseStatus(ok.frames[0]).last_sequence).toBe(4);
    const any = await i.requester.produceRecords('eu', 's', [{ data: 5 }], 'any');
    expect(parseStatus(any.frames[0]).last_sequence).toBe(5);
  });

  it('lets concurrent "any" producers all succeed, each transaction contiguous (§4.2 step 4)', async () => {
    const i = await authority();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        i.requester.produceRecords('eu', 'c', [{ data: k }, { data: k }], 'any'),
      ),
    );
    expect(answers.map((a) => a.code)).toEqual(Array(8).fill(1000));
    const lasts = answers.map((a) => parseStatus(a.frames[0]).last_sequence).sort((x, y) => x - y);
    expect(lasts).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    const r = i.space('eu');
    expect(r.refusals).toEqual([]);
    expect(r.consumeSegment('c').map((e) => e.sequence)).toEqual(Array.from({ length: 16 }, (_, k) => k + 1));
  });

  it('answers a known trx id with its original status and writes nothing; another segment is 4000 (§4.3)', async () => {
    const i = await authority();
    const body = produceBody('eu', 's', [{ data: 1 }], 0);
    const trx = body.trx_id;
    const first = await i.requester.produce(body);
    expect((await i.requester.produceRecords('eu', 's', [{ data: 2 }], 'any')).code).toBe(1000);
    const again = await i.requester.produce({ ...body, records: [{ data: 'other' }, { data: 'x' }] });
    expect(again.code).toBe(1000);
    expect(again.frames).toEqual(first.frames);
    expect(parseStatus(again.frames[0]).last_sequence).toBe(1);
    const elsewhere = await i.requester.produce({ ...body, segment: 't' });
    expect(elsewhere.code).toBe(4000);
    expect(elsewhere.text).toContain(trx);
    const otherSpace = await i.requester.produce({ ...body, space: 'us' });
    expect(otherSpace.code).toBe(4000);
    expect(i.lines(EU)).toHaveLength(2);
    expect(i.lines(channels.space('orders', 'us'))).toEqual([]);
  });

  const good = { space: 'eu', segment: 's', expected_last_sequence: 0, records: [{ data: 1 }] };
  const refusals: [string, Record<string, unknown>, string][] = [
    ['a space with a dot', { space: 'a.b' }, 'a.b'],
    ['a space with a leading _', { space: '_req' }, '_req'],
    ['an empty space', { space: '' }, 'space'],
    ['a space of 101 characters', { space: 'x'.repeat(101) }, 'space'],
    ['an empty segment', { segment: '' }, 'segment'],
    ['a segment with U+0000', { segment: 'a\u0000b' }, 'segment'],
    ['a segment of 1,025 bytes', { segment: 'é'.repeat(512) + 'x' }, 'segment'],
    ['a trx_id that is not a UUID', { trx_id: 'nope' }, 'trx'],
    ['a negative expected_last_sequence', { expected_last_sequence: -1 }, 'expected_last_sequence'],
    ['a fractional expected_last_sequence', { expected_last_sequence: 1.5 }, 'expected_last_sequence'],
    [
      'an expected_last_sequence word other than "any"',
      { expected_last_sequence: 'all' },
      'expected_last_sequence',
    ],
    ['no records', { records: [] }, 'records'],
    ['10,001 records', { records: Array.from({ length: 10_001 }, () => ({ data: 1 })) }, '10'],
    ['a record without data', { records: [{ data: 1 }, { metadata: {} }] }, 'record 1'],
    ['a record with both data and data_b64', { records: [{ data: 1, data_b64: 'AA==' }] }, 'record 0'],
    ['unpadded data_b64', { records: [{ data_b64: 'AAA' }] }, 'data_b64'],
    ['data_b64 that is not base64', { records: [{ data_b64: '***' }] }, 'data_b64'],
    ['data_b64 with a space', { records: [{ data_b64: 'A B=' }] }, 'data_b64'],
    ['data_b64 with data past its padding', { records: [{ data_b64: 'AA==AA==' }] }, 'data_b64'],
    ['data_b64 that is not a string', { records: [{ data_b64: 5 }] }, 'data_b64'],
    ['metadata that is not strings', { records: [{ data: 1, metadata: { a: 1 } }] }, 'metadata'],
    ['a record sequence of 0', { records: [{ data: 1, sequence: 0 }] }, 'sequence'],
    ['a record of more than 1 MiB', { records: [{ data: 'x'.repeat(1024 * 1024) }] }, 'record 0'],
  ];
  it.each(refusals)('closes 4000 naming %s, writing nothing', async (_what, change, named) => {
    const i = await authority();
    const a = await i.requester.produce({ ...good, trx_id: randomUUID(), ...change });
    expect(a.code).toBe(4000);
    expect(a.frames).toEqual([]);
    expect(a.text.toLowerCase()).toContain(named.toLowerCase());
    expect(spaceChannelsWithLines(i)).toEqual([]);
  });

  it('closes 4000 for a body that is not an object', async () => {
    const i = await authority();
    const a = await i.requester.produce([1, 2] as never);
    expect(a.code).toBe(4000);
  });

  it('refuses a transaction of more than 16 MiB with 4000, not split (§3)', async () => {
    const i = await authority();
    // The request stays under keyop's 16 MiB record limit; the entry lines would not.
    const data = 'x'.repeat(1400);
    const a = await i.requester.produceRecords(
      'eu',
      's',
      Array.from({ length: 10_000 }, () => ({ data })),
      0,
    );
    expect(a.code).toBe(4000);
    expect(i.lines(EU)).toEqual([]);
  });
});

describe('peek through the authority (§4.4)', () => {
  it('answers the latest entry with space and origin, and sequence 0 without data for an empty segment', async () => {
    const i = await authority();
    const empty = await i.requester.peek('eu', 'none');
    expect(empty.code).toBe(1000);
    expect(empty.frames).toHaveLength(1);
    const e0 = empty.frames[0] as Record<string, unknown>;
    expect(e0).toMatchObject({ space: 'eu', segment: 'none', sequence: 0 });
    expect('data' in e0 || 'data_b64' in e0).toBe(false);
    await i.requester.produceRecords('eu', 'p', [{ data: 1 }, { data_b64: 'AQI=', metadata: { m: 'x' } }], 0);
    const a = await i.requester.peek('eu', 'p');
    expect(a.code).toBe(1000);
    expect(a.frames).toHaveLength(1);
    const last = i.space('eu').consumeSegment('p').at(-1)!;
    const { line: _line, ...fields } = last;
    expect(a.frames[0]).toEqual({ space: 'eu', ...fields });
    parseEntry(a.frames[0]);
  });

  it('closes 4000 naming a bad name', async () => {
    const i = await authority();
    const a = await i.requester.peek('a.b', 'p');
    expect(a.code).toBe(4000);
    expect((await i.requester.peek('eu', '')).code).toBe(4000);
  });
});

describe('resync through the authority (§7.1 step 3)', () => {
  it('answers the lines of positions after+1 … min(until, last) byte for byte, then 1000', async () => {
    const i = await authority();
    await i.requester.produceRecords('eu', 'a', [{ data: 1 }], 0);
    await i.requester.produceRecords('eu', 'b', [{ data: 'é' }, { data_b64: 'AA==' }, { data: 3 }], 0);
    await i.requester.produceRecords('eu', 'a', [{ data: 4 }], 1);
    const lines = i.lines(EU);
    const a = await i.requester.resync({ space: 'eu', after: 1, until: 3 });
    expect(a.code).toBe(1000);
    expect(a.frames.length).toBeGreaterThan(0);
    expect(a.frames.flatMap((f) => (f as { lines: string[] }).lines)).toEqual(lines.slice(1, 3));
    const past = await i.requester.resync({ space: 'eu', after: 3, until: 100 });
    expect(past.frames.flatMap((f) => (f as { lines: string[] }).lines)).toEqual(lines.slice(3));
  });

  it('answers no frame for a space it does not have', async () => {
    const i = await authority();
    const a = await i.requester.resync({ space: 'nowhere', after: 0, until: 5 });
    expect(a).toEqual({ frames: [], code: 1000, text: '' });
  });

  it.each([
    ['a body that is not an object', 'x'],
    ['a bad space', { space: 'a.b', after: 0, until: 1 }],
    ['after = until', { space: 'eu', after: 2, until: 2 }],
    ['a fractional after', { space: 'eu', after: 0.5, until: 2 }],
    ['a negative after', { space: 'eu', after: -1, until: 2 }],
    ['more than 10,000 positions', { space: 'eu', after: 0, until: 10_001 }],
  ])('closes 4000 for %s', async (_what, body) => {
    const i = await authority();
    const a = await i.requester.resync(body);
    expect(a.code).toBe(4000);
    expect(a.text).not.toBe('');
  });
});

describe('reads (§5.1) equal the independent reader of the channel', () => {
  it('consumeSegment, consumeSpace, consume, getSpaces, getSegments and status', async () => {
    const i = await openInstance(closing, 'hub1');
    const store = await openStore(closing, i);
    for (let k = 0; k < 9; k++) {
      const space = k % 2 === 0 ? 'eu' : 'us';
      await i.requester.produceRecords(space, `s${k % 3}`, [{ data: k }, { data: -k }], 'any');
    }
    const eu = i.space('eu');
    const us = i.space('us');
    const strip = (e: { line?: string; space?: string }): unknown => {
      const { line: _l, space: _s, ...rest } = e;
      return rest;
    };
    const fromStore = (e: { data?: unknown; bytes?: Uint8Array; space: string }): unknown => {
      const { space: _s, bytes: _b, ...rest } = e;
      return rest;
    };
    const ts = eu.visible.map((e) => e.timestamp);
    const windows = [
      {},
      { minSequence: 2 },
      { minSequence: 2, maxSequence: 3 },
      { minSequence: 3, maxSequence: 1 },
      { limit: 3 },
      { minTimestamp: ts[2]!, maxTimestamp: ts.at(-1)! },
      { maxTimestamp: ts[1]! },
    ];
    for (const w of windows) {
      for (const seg of ['s0', 's1', 's2', 'none']) {
        const got = (await collect(store.consumeSegment('eu', seg, w))).map(fromStore);
        expect(got, JSON.stringify({ seg, w })).toEqual(eu.consumeSegment(seg, w).map(strip));
      }
      const { minSequence: _a, maxSequence: _b, ...timeOnly } = w as Record<string, number>;
      for (const after of [0, 3, 7]) {
        const got = (await collect(store.consumeSpace('eu', after, timeOnly))).map(fromStore);
        expect(got).toEqual(eu.consumeSpace(after, timeOnly).map(strip));
      }
      const merged = (await collect(store.consume({ eu: 1, us: 2 }, timeOnly))).map((e) => [
        e.space,
        e.position,
      ]);
      expect(merged).toEqual(
        consumeMerged([eu, us], { eu: 1, us: 2 }, timeOnly).map((e) => [e.space, e.position]),
      );
    }
    expect(store.getSpaces()).toEqual(['eu', 'us']);
    expect(store.getSegments('eu')).toEqual(eu.segments());
    for (const seg of ['s0', 's1', 's2']) {
      expect(wireStatusOf(store.getSegmentStatus('eu', seg)!)).toEqual(eu.status(seg));
    }
    expect(store.getSegmentStatus('eu', 'none')).toBeUndefined();
    const empty = await store.peek('eu', 'none');
    expect(empty.sequence).toBe(0);
  });
});
