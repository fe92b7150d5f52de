// Reading a stream from a time (`since`, this server's extension of GET): the read starts at the
// first record at or after the time, on a channel of many segments and across a fork's spans, and
// continues with offsets; bad values are refused with 400 naming what is wrong.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatMillis } from '../../internal/envelope/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { post, put, startInstance, type StreamsInstance } from './harness.js';

const T0 = Date.UTC(2026, 11, 5, 12);
const BATCHES = 16;
/** Messages per POST: about 600 KiB of records, so a 1 MiB segment holds at most two POSTs. */
const PER_BATCH = 1500;
const PAD = 'x'.repeat(250);

interface Item {
  b: number;
  k: number;
}

let instance: StreamsInstance | undefined;
afterEach(async () => {
  await instance?.close();
  instance = undefined;
});

/** An instance with 1 MiB segments whose envelopes are stamped by `clock`. */
async function start(clock: FakeClock): Promise<StreamsInstance> {
  instance = await startInstance({ compactionThresholdMb: 1, messenger: { clock } });
  return instance;
}

/** Every item from `query` on, following the next-offset header until up to date. */
async function readFrom(url: string, query: string): Promise<{ items: Item[]; next: string | null }> {
  const items: Item[] = [];
  let res = await fetch(`${url}?${query}`);
  for (;;) {
    expect(res.status).toBe(200);
    items.push(...((await res.json()) as Item[]));
    const next = res.headers.get('stream-next-offset');
    if (res.headers.get('stream-up-to-date') === 'true') return { items, next };
    res = await fetch(`${url}?offset=${next}`);
  }
}

/** The batches of `items`, one entry per batch, checking that each batch is whole and in order. */
function batchesOf(items: Item[]): number[] {
  const batches: number[] = [];
  for (const [i, item] of items.entries()) {
    const first = items[i - (i % PER_BATCH)];
    expect(item).toMatchObject({ b: first?.b, k: i % PER_BATCH });
    if (item.k === 0) batches.push(item.b);
  }
  return batches;
}

describe('GET with since', () => {
  it('starts at the first record at or after the time on a channel of many segments, then continues by offset', async () => {
    const clock = new FakeClock(T0);
    const { url, dataDir } = await start(clock);
    const stream = url('events/eu');
    expect((await put(stream, 'application/json')).status).toBe(201);
    for (let b = 0; b < BATCHES; b++) {
      const body = JSON.stringify(Array.from({ length: PER_BATCH }, (_, k) => ({ b, k, pad: PAD })));
      expect((await post(stream, 'application/json', body)).status).toBe(204);
      await clock.advance(1000);
    }
    const channels = fs.readdirSync(path.join(dataDir, 'channels'));
    const segments = Math.max(
      ...channels.map(
        (c) => fs.readdirSync(path.join(dataDir, 'channels', c)).filter((f) => f.endsWith('.jsonl')).length,
      ),
    );
    expect(segments).toBeGreaterThanOrEqual(BATCHES / 2);
    const tail = (await fetch(stream, { method: 'HEAD' })).headers.get('stream-next-offset');
    const all = Array.from({ length: BATCHES }, (_, b) => b);

    // An RFC 3339 time exactly at batch 5's time: batch 5 on.
    const at5 = await readFrom(stream, `since=${formatMillis(T0 + 5000)}`);
    expect(batchesOf(at5.items)).toEqual(all.slice(5));
    expect(at5.next).toBe(tail);
    // Unix milliseconds just after batch 9's time; an offset with a percent-encoded "+".
    expect(batchesOf((await readFrom(stream, `since=${T0 + 9001}`)).items)).toEqual(all.slice(10));
    const plusOne = encodeURIComponent('2026-12-05T13:00:12+01:00');
    expect(batchesOf((await readFrom(stream, `since=${plusOne}`)).items)).toEqual(all.slice(12));
    // Before the first record: everything; after the last: nothing, and the tail to continue from.
    expect(batchesOf((await readFrom(stream, 'since=0')).items)).toEqual(all);
    const later = await readFrom(stream, `since=${T0 + 60_000}`);
    expect(later).toEqual({ items: [], next: tail });
  });

  it("searches a fork's parent up to the fork point, then the fork's own records", async () => {
    const clock = new FakeClock(T0);
    const { url } = await start(clock);
    expect((await put(url('src'), 'text/plain', 'a')).status).toBe(201);
    await clock.advance(1000);
    const forkAt = (await post(url('src'), 'text/plain', 'b')).headers.get('stream-next-offset')!;
    await clock.advance(1000);
    await post(url('src'), 'text/plain', 'c'); // T0+2s, after the fork point: not the fork's
    const forked = await put(url('fork'), 'text/plain', undefined, {
      'stream-forked-from': '/v1/stream/src',
      'stream-fork-offset': forkAt,
    });
    expect(forked.status).toBe(201);
    await clock.advance(1000);
    await post(url('fork'), 'text/plain', 'd'); // T0+3s
    const read = async (since: number): Promise<string> =>
      (await fetch(`${url('fork')}?since=${since}`)).text();
    expect(await read(T0)).toBe('abd');
    expect(await read(T0 + 1000)).toBe('bd');
    expect(await read(T0 + 2000)).toBe('d');
    expect(await read(T0 + 3001)).toBe('');
  });

  it.each([
    ['a word', 'since=yesterday', /since must be an RFC 3339 time .* not "yesterday"/],
    ['an empty value', 'since=', /since must be an RFC 3339 time .* not ""/],
    ['a date that does not exist', 'since=2026-02-30T00:00:00Z', /not "2026-02-30T00:00:00Z"/],
    [
      'an unencoded "+" (read as a space)',
      'since=2026-12-05T12:00:00+01:00',
      /not "2026-12-05T12:00:00 01:00"/,
    ],
    ['a negative number', 'since=-5', /not "-5"/],
    ['two values', 'since=1&since=2', /since must be given once/],
    ['an offset as well', 'since=1&offset=-1', /since and offset must not be given together/],
    ['a live mode', 'since=1&live=long-poll', /since starts a catch-up read, not live=long-poll/],
  ])('refuses %s with 400 naming why', async (_name, query, message) => {
    const { url } = await start(new FakeClock(T0));
    await put(url('s'), 'text/plain', 'a');
    const res = await fetch(`${url('s')}?${query}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(message);
  });
});
