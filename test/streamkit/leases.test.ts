import { describe, expect, it } from 'vitest';
import { LeaseRefusedError, StaleFenceError, StreamkitError, type LeaseState } from '../../src/index.js';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { FakeClock, settle } from '../support/fake-clock.js';
import { closeAll, openStore } from './harness.js';

function refusal(err: unknown): string {
  expect(err).toBeInstanceOf(LeaseRefusedError);
  const refused = err as LeaseRefusedError;
  expect(refused.wireCode).toBe(4011);
  return refused.reason;
}

describe('streamkit leases on the authority', () => {
  it('refuses a second holder, lets the same holder refresh, and frees the key on release', async () => {
    const clock = new FakeClock();
    const { store } = await openStore({ clock });
    const first = await store.acquireLease('job', 'a', 10_000);
    expect(first).toMatchObject({ key: 'job', holder: 'a', fence: 1, expiresAt: clock.now() + 10_000 });
    expect(refusal(await store.acquireLease('job', 'b', 10_000).catch((e: unknown) => e))).toBe('held');

    await clock.advance(4_000);
    const refreshed = await store.acquireLease('job', 'a', 10_000);
    expect(refreshed).toMatchObject({ fence: 1, expiresAt: clock.now() + 10_000 });

    expect(await store.releaseLease('job', 'a')).toMatchObject({ holder: undefined, fence: 1 });
    const second = await store.acquireLease('job', 'b', 10_000);
    expect(second).toMatchObject({ holder: 'b', fence: 2 });
  });

  it('refuses to renew a lapsed lease, even when nobody took it, by the authority clock', async () => {
    const clock = new FakeClock();
    const { store } = await openStore({ clock });
    await store.acquireLease('job', 'a', 2_000);
    await clock.advance(1_000);
    expect(await store.renewLease('job', 'a', 2_000)).toMatchObject({ expiresAt: clock.now() + 2_000 });
    await clock.advance(2_000);
    expect(refusal(await store.renewLease('job', 'a', 2_000).catch((e: unknown) => e))).toBe('lapsed');
    // Lapsed: another holder may take it, with a new fence.
    expect(await store.acquireLease('job', 'b', 2_000)).toMatchObject({ holder: 'b', fence: 2 });
  });

  it('lets only the holder release', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    await store.acquireLease('job', 'a', 5_000);
    expect(refusal(await store.releaseLease('job', 'b').catch((e: unknown) => e))).toBe('not_holder');
    expect(refusal(await store.releaseLease('other', 'a').catch((e: unknown) => e))).toBe('not_held');
    expect((await store.getLease('job'))?.holder).toBe('a');
  });

  it('raises the fence on every change of holder and refuses a produce with a stale fence', async () => {
    const clock = new FakeClock();
    const { store } = await openStore({ clock });
    const fences: number[] = [];
    for (const holder of ['a', 'b', 'a']) {
      const lease = await store.acquireLease('job', holder, 1_000);
      fences.push(lease.fence);
      await clock.advance(1_000); // lapses
    }
    expect(fences).toEqual([1, 2, 3]);
    const current = await store.acquireLease('job', 'c', 5_000);
    expect(current.fence).toBe(4);

    const ok = await store.append('s', 'seg', 'by c', { fence: { key: 'job', fence: 4 } });
    expect(ok.lastSequence).toBe(1);
    const stale = await store
      .append('s', 'seg', 'by a, late', { fence: { key: 'job', fence: 3 } })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleFenceError);
    expect(stale).toMatchObject({ wireCode: 4010, code: 'ERR_SK_STALE_FENCE', expected: 3, actual: 4 });
    expect((stale as Error).message).toContain('fence 3 is stale (current fence 4)');

    await store.releaseLease('job', 'c');
    const released = await store
      .append('s', 'seg', 'after release', { fence: { key: 'job', fence: 4 } })
      .catch((e: unknown) => e);
    expect(released).toMatchObject({ wireCode: 4010, held: false });
    expect(store.getSegmentStatus('s', 'seg')?.lastSequence).toBe(1);
  });

  it('validates key, holder and TTL with 4000 naming the problem', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    const cases: [Promise<unknown>, string][] = [
      [store.acquireLease('', 'a', 1_000), 'lease key is required'],
      [store.acquireLease('k', '', 1_000), 'lease holder is required'],
      [store.acquireLease('k', 'a', 400), 'between 1 and 86400 seconds, got 0'],
      [store.acquireLease('k', 'a', 86_401_000), 'got 86401'],
    ];
    for (const [call, message] of cases) {
      const err = await call.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StreamkitError);
      expect(err).toMatchObject({ wireCode: 4000 });
      expect((err as Error).message).toContain(message);
    }
  });

  it('keeps leases and fences across a reopen: the lease channel is replayed', async () => {
    const clock = new FakeClock();
    const { store, dataDir } = await openStore({ clock });
    await store.acquireLease('job', 'a', 1_000);
    await clock.advance(1_000);
    await store.acquireLease('job', 'b', 60_000);
    await store.acquireLease('other', 'a', 60_000);
    await closeAll();

    const { store: reopened } = await openStore({ clock, dataDir });
    expect((await reopened.leases()).map((l) => [l.key, l.holder, l.fence])).toEqual([
      ['job', 'b', 2],
      ['other', 'a', 1],
    ]);
    expect(refusal(await reopened.acquireLease('job', 'a', 1_000).catch((e: unknown) => e))).toBe('held');
    await reopened.releaseLease('job', 'b');
    expect((await reopened.acquireLease('job', 'a', 1_000)).fence).toBe(3);
  });

  it('keeps the lease, its holder and its fence across a SIGKILL of the authority process', async () => {
    const { dataDir } = await openStore();
    await closeAll();
    const child = spawnFixture('streamkit-lease-holder.mjs', [dataDir]);
    const out = stdoutLines(child);
    await new Promise<void>((resolve) => {
      child.stdout.on('data', () => {
        if (out.length > 0) resolve();
      });
    });
    const granted = JSON.parse(out[0]!) as LeaseState;
    expect(granted).toMatchObject({ key: 'job', holder: 'b', fence: 2 });
    child.kill('SIGKILL');
    expect(await exited(child)).toBe('SIGKILL');

    const { store } = await openStore({ dataDir });
    expect(await store.getLease('job')).toEqual(granted);
    expect(refusal(await store.acquireLease('job', 'c', 5_000).catch((e: unknown) => e))).toBe('held');
    // The holder carries on with the restarted authority; the next holder gets a fence never given.
    expect(await store.renewLease('job', 'b', 60_000)).toMatchObject({ holder: 'b', fence: 2 });
    await store.releaseLease('job', 'b');
    expect(await store.acquireLease('job', 'c', 5_000)).toMatchObject({ holder: 'c', fence: 3 });
  });

  it('runs withLease: renews at ttl/2, releases at the end, aborts when a renewal is refused', async () => {
    const clock = new FakeClock();
    const { store } = await openStore({ clock });
    const events: LeaseState[] = [];
    await store.subscribeLeases((s) => events.push(s));

    const result = await store.withLease('job', 4_000, async (signal, lease) => {
      expect(lease.fence).toBe(1);
      await clock.advance(2_000);
      await clock.advance(2_000);
      expect(signal.aborted).toBe(false);
      return 'done';
    });
    expect(result).toBe('done');
    expect(events.map((e) => e.event)).toEqual(['acquired', 'renewed', 'renewed', 'released']);

    // A refused renewal (another holder took the key after a release behind its back) aborts the work.
    const reason = await store.withLease('job', 4_000, async (signal, lease) => {
      await store.releaseLease('job', lease.holder);
      await store.acquireLease('job', 'intruder', 60_000);
      await clock.advance(2_000);
      await settle();
      expect(signal.aborted).toBe(true);
      return signal.reason as unknown;
    });
    expect(refusal(reason)).toBe('not_holder');
    expect((await store.getLease('job'))?.holder).toBe('intruder');
  });

  it('aborts the work under a lease when its store closes', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    const reason = await store.withLease('job', 5_000, async (signal) => {
      await store.close();
      return signal.aborted ? (signal.reason as unknown) : 'still running';
    });
    expect(reason).toMatchObject({ wireCode: 1001 });
    expect((reason as Error).message).toContain('store "orders" is closed');
  });

  it('never starts the work when the caller aborts while the lease is being acquired, and releases it', async () => {
    const { store } = await openStore({ clock: new FakeClock() });
    const caller = new AbortController();
    // Granted (decided), its record not yet durable: the acquire is still in flight.
    await store.subscribeLeases((s) => {
      if (s.event === 'acquired') caller.abort(new Error('caller stopped'));
    });
    let ran = false;
    const work = store.withLease(
      'job',
      5_000,
      () => {
        ran = true;
        return Promise.resolve();
      },
      { signal: caller.signal },
    );
    await expect(work).rejects.toThrow('caller stopped');
    expect(ran).toBe(false);
    expect(await store.getLease('job')).toMatchObject({ holder: undefined, event: 'released' });
  });
});
