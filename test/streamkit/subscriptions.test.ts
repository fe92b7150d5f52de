import { describe, expect, it } from 'vitest';
import type { SegmentStatus } from '../../src/index.js';
import { deferred } from '../support/deferred.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { openStore } from './harness.js';

function brief(s: SegmentStatus): string {
  return s.heartbeat === true ? `beat:${s.segment}` : `${s.segment}:${s.lastSequence}`;
}

describe('streamkit status subscriptions', () => {
  it('delivers the snapshot of a segment first, then one status per transaction', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    await store.produce('s', 'seg', [{ data: 1 }, { data: 2 }]);
    const seen: string[] = [];
    const sub = store.subscribeToSegment('s', 'seg', (s) => {
      seen.push(brief(s));
    });
    await settle();
    expect(seen).toEqual(['seg:2']);
    await store.append('s', 'seg', 3);
    await store.append('s', 'other', 'x');
    await store.produce('s', 'seg', [{ data: 4 }, { data: 5 }]);
    await settle();
    expect(seen).toEqual(['seg:2', 'seg:3', 'seg:5']);
    expect(sub.stats()).toMatchObject({ delivered: 3, coalesced: 0, pending: 0 });
    await sub.unsubscribe();
    await store.append('s', 'seg', 6);
    await settle();
    expect(seen).toHaveLength(3);
  });

  it('delivers every segment of a space, the snapshot sorted by segment', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    await store.append('s', 'b', 1);
    await store.append('s', 'a', 1);
    await store.append('t', 'c', 1);
    const seen: string[] = [];
    store.subscribeToSpace('s', (s) => {
      seen.push(brief(s));
    });
    const later: string[] = [];
    store.subscribeToSpace('new', (s) => {
      later.push(brief(s));
    });
    await settle();
    expect(seen).toEqual(['a:1', 'b:1']);
    await store.append('s', 'c', 1);
    await store.append('t', 'c', 2);
    await store.append('new', 'n', 1);
    await settle();
    expect(seen).toEqual(['a:1', 'b:1', 'c:1']);
    expect(later).toEqual(['n:1']);
  });

  it('coalesces statuses per segment for a slow handler, latest wins', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    const gate = deferred();
    const seen: string[] = [];
    const sub = store.subscribeToSpace('s', async (s) => {
      seen.push(brief(s));
      if (seen.length === 1) await gate.promise;
    });
    await store.append('s', 'a', 1);
    for (let i = 2; i <= 5; i++) await store.append('s', 'a', i);
    await store.append('s', 'b', 1);
    await store.append('s', 'b', 2);
    await settle();
    expect(seen).toEqual(['a:1']);
    expect(sub.stats()).toMatchObject({ pending: 2, coalesced: 4 });
    gate.resolve();
    await settle();
    expect(seen).toEqual(['a:1', 'a:5', 'b:2']);
  });

  it('sends heartbeats after a quiet interval, clamped to 1-300 s, only when asked', async () => {
    const clock = new FakeClock();
    const { store } = await openStore({ clock });
    const beats: string[] = [];
    const none: string[] = [];
    const fast: string[] = [];
    store.subscribeToSegment('s', 'seg', (s) => void beats.push(brief(s)), { heartbeatIntervalSeconds: 2 });
    store.subscribeToSpace('s', (s) => void none.push(brief(s)));
    store.subscribeToSpace('s', (s) => void fast.push(brief(s)), { heartbeatIntervalSeconds: 0.01 });
    await clock.advance(1_000);
    expect(fast).toEqual(['beat:*']);
    expect(beats).toEqual([]);
    await clock.advance(1_000);
    expect(beats).toEqual(['beat:seg']);
    await store.append('s', 'seg', 1);
    await settle();
    await clock.advance(2_000);
    expect(beats).toEqual(['beat:seg', 'seg:1']);
    await clock.advance(2_000);
    expect(beats).toEqual(['beat:seg', 'seg:1', 'beat:seg']);
    expect(none).toEqual(['seg:1']);
    const slow: string[] = [];
    store.subscribeToSegment('s', 'x', (s) => void slow.push(brief(s)), { heartbeatIntervalSeconds: 10_000 });
    await clock.advance(299_000);
    expect(slow).toEqual([]);
    await clock.advance(1_000);
    expect(slow).toEqual(['beat:x']);
  });

  it('counts a failing handler and keeps delivering', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    const seen: number[] = [];
    const sub = store.subscribeToSegment('s', 'seg', (s) => {
      seen.push(s.lastSequence);
      if (s.lastSequence === 1) throw new Error('boom');
    });
    await store.append('s', 'seg', 1);
    await settle();
    await store.append('s', 'seg', 2);
    await settle();
    expect(seen).toEqual([1, 2]);
    expect(sub.stats().failures).toBe(1);
  });
});
