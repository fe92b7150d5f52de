import { describe, expect, it } from 'vitest';
import { MAX_CONSUME_LIMIT, SkCode, StreamkitError, type StreamEntry } from '../../src/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { drain, openStore, range, sequences } from './harness.js';

async function tenEntries(): Promise<Awaited<ReturnType<typeof openStore>>> {
  const opened = await openStore();
  await opened.store.produce(
    's',
    'seg',
    range(10).map((i) => ({ data: i })),
  );
  return opened;
}

describe('streamkit reads', () => {
  // streamkit's consume-boundaries table (reference §1.3), verbatim.
  it.each([
    { name: 'min 0 gives everything', window: { minSequence: 0 }, want: range(10) },
    { name: 'min 1 gives everything', window: { minSequence: 1 }, want: range(10) },
    { name: '[3,3] gives 1', window: { minSequence: 3, maxSequence: 3 }, want: [3] },
    { name: '[3,5] gives 3', window: { minSequence: 3, maxSequence: 5 }, want: [3, 4, 5] },
    { name: 'min beyond the tail gives 0', window: { minSequence: 11 }, want: [] },
    { name: '[9,15] on 10 gives 2', window: { minSequence: 9, maxSequence: 15 }, want: [9, 10] },
    { name: 'max below min means max = min', window: { minSequence: 4, maxSequence: 2 }, want: [4] },
    { name: 'max alone', window: { maxSequence: 2 }, want: [1, 2] },
  ])('consumeSegment window: $name', async ({ window, want }) => {
    const { store } = await tenEntries();
    expect(sequences(await drain(store.consumeSegment('s', 'seg', window)))).toEqual(want);
  });

  it('filters timestamps min-exclusive and max-inclusive', async () => {
    const clock = new FakeClock(1_000);
    const { store } = await openStore({ clock });
    for (let i = 1; i <= 5; i++) {
      await store.append('s', 'seg', i);
      await clock.advance(1_000);
    }
    const stamps = (await drain(store.consumeSegment('s', 'seg'))).map((e) => e.timestamp);
    expect(stamps).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    const window = { minTimestamp: 2_000, maxTimestamp: 4_000 };
    expect(sequences(await drain(store.consumeSegment('s', 'seg', window)))).toEqual([3, 4]);
    expect((await drain(store.consumeSpace('s', 0, window))).map((e) => e.position)).toEqual([3, 4]);
  });

  it('honours the limit, clamps it, and refuses malformed bounds', async () => {
    const { store } = await tenEntries();
    expect(sequences(await drain(store.consumeSegment('s', 'seg', { limit: 3 })))).toEqual([1, 2, 3]);
    expect(await drain(store.consumeSegment('s', 'seg', { limit: MAX_CONSUME_LIMIT * 10 }))).toHaveLength(10);
    expect(await drain(store.consumeSpace('s', 2, { limit: 4 }))).toHaveLength(4);
    await expect(drain(store.consumeSegment('s', 'seg', { minSequence: -1 }))).rejects.toSatisfy(
      (err: unknown) => err instanceof StreamkitError && err.wireCode === SkCode.BAD_REQUEST,
    );
  });

  it('consumes a space in commit order strictly after a position', async () => {
    const { store } = await openStore();
    await store.append('s', 'a', 'a1');
    await store.produce('s', 'b', [{ data: 'b1' }, { data: 'b2' }]);
    await store.append('s', 'a', 'a2');
    const all = await drain(store.consumeSpace('s'));
    expect(all.map((e) => [e.position, e.segment, e.sequence, e.data])).toEqual([
      [1, 'a', 1, 'a1'],
      [2, 'b', 1, 'b1'],
      [3, 'b', 2, 'b2'],
      [4, 'a', 2, 'a2'],
    ]);
    expect((await drain(store.consumeSpace('s', 2))).map((e) => e.data)).toEqual(['b2', 'a2']);
    expect(await drain(store.consumeSpace('s', 4))).toEqual([]);
  });

  it('merges several spaces by (timestamp, space, position), deterministically', async () => {
    const clock = new FakeClock(10);
    const { store } = await openStore({ clock });
    await store.append('y', 'k', 'y1');
    await store.append('x', 'k', 'x1');
    await clock.advance(5);
    await store.append('x', 'k', 'x2');
    await store.append('y', 'k', 'y2');
    const merged = await drain(store.consume({ y: 0, x: 0 }));
    expect(merged.map((e) => e.data)).toEqual(['x1', 'y1', 'x2', 'y2']);
    expect((await drain(store.consume({ x: 1, y: 0 }, { limit: 2 }))).map((e) => e.data)).toEqual([
      'y1',
      'x2',
    ]);
  });

  it('answers empty reads for a fresh store and a missing segment', async () => {
    const { store } = await openStore();
    expect(store.getSpaces()).toEqual([]);
    expect(store.getSegments('s')).toEqual([]);
    const empty = await store.peek('s', 'none');
    expect([empty.sequence, empty.position, empty.space, empty.segment]).toEqual([0, 0, 's', 'none']);
    expect(await drain(store.consumeSegment('s', 'none'))).toEqual([]);
    expect(store.getSegmentStatus('s', 'none')).toBeUndefined();
    await store.append('s', 'seg', 1);
    expect((await store.peek('s', 'none')).sequence).toBe(0);
    expect(store.getSpaces()).toEqual(['s']);
  });

  it('peeks the latest entry and lists spaces and segments sorted', async () => {
    const { store } = await openStore();
    for (const [space, segment] of [
      ['b', 'z'],
      ['a', 'y'],
      ['b', 'x'],
      ['b', 'z'],
    ] as const) {
      await store.append(space, segment, `${space}/${segment}`);
    }
    expect(store.getSpaces()).toEqual(['a', 'b']);
    expect(store.getSegments('b')).toEqual(['x', 'z']);
    const peeked = await store.peek('b', 'z');
    expect([peeked.sequence, peeked.position, peeked.data]).toEqual([2, 3, 'b/z']);
    expect(store.getSegmentStatus('b', 'z')).toMatchObject({ firstSequence: 1, lastSequence: 2 });
  });

  it('follows the tail when asked, and an aborted signal ends the iteration', async () => {
    const { store } = await openStore();
    await store.append('s', 'seg', 1);
    const controller = new AbortController();
    const seen: StreamEntry[] = [];
    const following = (async () => {
      for await (const entry of store.consumeSegment('s', 'seg', {
        follow: true,
        signal: controller.signal,
      })) {
        seen.push(entry);
        if (seen.length === 3) controller.abort();
      }
    })();
    const spaceFollower = (async () => {
      const got: number[] = [];
      for await (const entry of store.consumeSpace('s', 0, { follow: true, limit: 3 }))
        got.push(entry.position);
      return got;
    })();
    await store.append('s', 'other', 'x');
    await store.append('s', 'seg', 2);
    await store.append('s', 'seg', 3);
    await following;
    expect(sequences(seen)).toEqual([1, 2, 3]);
    expect(await spaceFollower).toEqual([1, 2, 3]);
  });

  it('a finite consume stops at the head seen when it started', async () => {
    const { store } = await tenEntries();
    const got: number[] = [];
    for await (const entry of store.consumeSegment('s', 'seg')) {
      got.push(entry.sequence);
      if (entry.sequence === 1) await store.append('s', 'seg', 11);
    }
    expect(got).toEqual(range(10));
  });
});
