/** The transactions a replica holds past a gap (internal/streamkit/held-transactions.ts). */
import { describe, expect, it } from 'vitest';
import { HeldTransactions } from '../../internal/streamkit/held-transactions.js';
import type { LocatedEntry } from '../../internal/streamkit/trx-assembler.js';

/** A transaction of `count` entries starting at space position `first`. */
function trx(id: string, first: number, count: number): LocatedEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    entry: {
      space: 's',
      segment: 'seg',
      sequence: first + index,
      position: first + index,
      timestamp: 1,
      trx: { id, number: first, index, count },
      data: { big: 'x'.repeat(100) },
      origin: 'authority',
    },
    start: 0,
    end: 0,
  }));
}

describe('HeldTransactions', () => {
  it('holds transactions past the head, reports the hole before each, and hands them back in order', () => {
    const held = new HeldTransactions();
    const first = trx('a', 5, 2);
    expect(held.hold(first, 2)).toEqual({ held: true, hole: { from: 3, to: 4 } });
    // Right after a held one: no new hole.
    expect(held.hold(trx('b', 7, 1), 2)).toEqual({ held: true, hole: undefined });
    expect(held.hold(trx('c', 10, 1), 2)).toEqual({ held: true, hole: { from: 8, to: 9 } });
    expect(held.entries).toBe(4);
    // Held without their data: the index needs only where they are.
    expect(first[0]!.entry.data).toBeUndefined();
    expect(held.holes(2)).toEqual([
      { from: 3, to: 4 },
      { from: 8, to: 9 },
    ]);
    expect(held.take(5)?.map((e) => e.entry.position)).toEqual([5, 6]);
    expect(held.take(5)).toBeUndefined();
    expect(held.entries).toBe(2);
  });

  it('tells a second copy of a held transaction from another transaction at its position', () => {
    const held = new HeldTransactions();
    held.hold(trx('a', 5, 1), 2);
    expect(held.hold(trx('a', 5, 1), 2)).toEqual({ held: false, sameTrx: true });
    expect(held.hold(trx('z', 5, 1), 2)).toEqual({ held: false, sameTrx: false });
  });

  it('holds no more than its limit of entries, so a gap that stays open cannot grow memory without end', () => {
    const held = new HeldTransactions(3);
    expect(held.hold(trx('a', 5, 2), 2).held).toBe(true);
    expect(held.hold(trx('b', 7, 2), 2)).toEqual({ held: false, full: true, limit: 3 });
    expect(held.hold(trx('c', 7, 1), 2).held).toBe(true);
    expect(held.entries).toBe(3);
    // Once the held ones are applied there is room again.
    held.take(5);
    expect(held.hold(trx('d', 9, 2), 7).held).toBe(true);
  });
});
