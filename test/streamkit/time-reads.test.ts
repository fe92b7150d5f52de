// A consume started from a time over many transactions: exactly the entries after the time (streamkit
// windows are min-exclusive), found through the index's per-entry times, so the channel is read only
// from the first matching entry on, as a consume started at that entry's position would read it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelLog } from '../../internal/storage/index.js';
import { spaceChannel } from '../../internal/streamkit/names.js';
import type { StreamEntry } from '../../src/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { drain, openStore, range } from './harness.js';

const TRANSACTIONS = 240;

afterEach(() => {
  vi.restoreAllMocks();
});

/** A store whose space `s` holds {@link TRANSACTIONS} transactions of 1–3 entries, 10 ms apart, on two segments. */
async function manyTransactions() {
  const clock = new FakeClock(1_000_000);
  const opened = await openStore({ clock });
  for (let t = 0; t < TRANSACTIONS; t++) {
    const records = range((t % 3) + 1).map((i) => ({ data: { t, i } }));
    await opened.store.produce('s', t % 2 === 0 ? 'a' : 'b', records);
    await clock.advance(10);
  }
  return opened;
}

/** Runs `read`: what it yields, and the lowest offset it read the space's channel at (Infinity: none). */
async function withLowestRead(
  read: () => AsyncIterable<StreamEntry>,
): Promise<{ entries: StreamEntry[]; lowest: number }> {
  const channel = spaceChannel('orders', 's');
  const spy = vi.spyOn(ChannelLog.prototype, 'read');
  const entries = await drain(read());
  const offsets = spy.mock.calls
    .filter((_, i) => (spy.mock.contexts[i] as ChannelLog | undefined)?.channel === channel)
    .map((c) => c[0]);
  spy.mockRestore();
  return { entries, lowest: Math.min(...offsets) };
}

const positions = (entries: readonly StreamEntry[]): number[] => entries.map((e) => e.position);

describe('streamkit consume from a time', () => {
  it('returns exactly the entries after the time and reads the channel only from the first of them', async () => {
    const { store } = await manyTransactions();
    const all = await drain(store.consumeSpace('s'));
    expect(all.length).toBe(480);
    for (const t of [0, 1, 100, 183, 239]) {
      const time = 1_000_000 + 10 * t;
      for (const minTimestamp of [time - 1, time]) {
        const want = all.filter((e) => e.timestamp > minTimestamp);
        const fromTime = await withLowestRead(() => store.consumeSpace('s', 0, { minTimestamp }));
        expect(positions(fromTime.entries)).toEqual(positions(want));
        for (const segment of ['a', 'b']) {
          const got = await drain(store.consumeSegment('s', segment, { minTimestamp }));
          expect(got.map((e) => e.sequence)).toEqual(
            want.filter((e) => e.segment === segment).map((e) => e.sequence),
          );
        }
        const first = want[0];
        if (first === undefined) {
          expect(fromTime.lowest).toBe(Infinity);
          continue;
        }
        const fromPosition = await withLowestRead(() => store.consumeSpace('s', first.position - 1));
        expect(positions(fromPosition.entries)).toEqual(positions(want));
        expect(fromTime.lowest).toBeGreaterThanOrEqual(fromPosition.lowest);
      }
    }
    // After the last entry: nothing.
    expect(await drain(store.consumeSpace('s', 0, { minTimestamp: 1_000_000 + 10 * TRANSACTIONS }))).toEqual(
      [],
    );
  });
});
