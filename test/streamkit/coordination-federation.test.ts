import { describe, expect, it } from 'vitest';
import {
  LeaseRefusedError,
  StaleFenceError,
  StreamkitError,
  StreamStore,
  type Lease,
  type LeaseState,
} from '../../src/index.js';
import { deferred } from '../support/deferred.js';
import { inventoryWhere } from './harness.js';
import { acrossHub } from './hub-harness.js';

const { storeOn, hubAndClient } = acrossHub(['sk.orders.eu', 'sk.orders._leases', 'sk.orders._workers'], {
  ignoreCloseErrors: true,
});

/** Resolves with the first lease state of `key` (as `store` learns it) that satisfies `done`. */
async function leaseWhere(
  store: StreamStore,
  key: string,
  done: (s: LeaseState) => boolean,
): Promise<LeaseState> {
  let stop: (() => void) | undefined;
  const found = new Promise<LeaseState>((resolve) => {
    void store
      .subscribeLeases((s) => {
        if (s.key === key && done(s)) resolve(s);
      })
      .then((unsubscribe) => (stop = unsubscribe));
  });
  const state = await found;
  stop?.();
  return state;
}

describe('streamkit leases and workers across a hub', () => {
  it('decides leases only at the authority: one of two contenders on two instances wins', async () => {
    const { hub, client } = await hubAndClient();
    const authority = await storeOn(hub);
    const replica = await storeOn(client);
    for (let round = 0; round < 3; round++) {
      const key = `job-${round}`;
      const outcomes = await Promise.allSettled([
        authority.acquireLease(key, 'on-hub', 30_000),
        replica.acquireLease(key, 'on-client', 30_000),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseRefusedError);
      const winner = (won[0] as PromiseFulfilledResult<LeaseState>).value;
      expect((await authority.getLease(key))?.holder).toBe(winner.holder);
    }
    // The replica observes the authority's decisions through the forwarded lease channel.
    const seen = await leaseWhere(replica, 'job-2', (s) => s.holder !== undefined);
    expect(seen).toEqual(await authority.getLease('job-2'));
  });

  it('refuses a remote produce with a stale fence, and accepts the current one', async () => {
    const { hub, client } = await hubAndClient();
    const authority = await storeOn(hub);
    const replica = await storeOn(client);
    const first = await replica.acquireLease('writer', 'w1', 1_000);
    await replica.releaseLease('writer', 'w1');
    const second = await authority.acquireLease('writer', 'w2', 30_000);
    expect(second.fence).toBe(first.fence + 1);

    const stale = await replica
      .append('eu', 'log', 'from w1', { fence: { key: 'writer', fence: first.fence } })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleFenceError);
    expect(stale).toMatchObject({ wireCode: 4010, expected: first.fence, actual: second.fence });
    const ok = await replica.append('eu', 'log', 'from w2', {
      fence: { key: 'writer', fence: second.fence },
    });
    expect(ok.lastSequence).toBe(1);
  });

  it('aborts a cut-off holder before its lease can lapse, and acquiring then fails transiently', async () => {
    const { hub, client } = await hubAndClient();
    await storeOn(hub);
    const replica = await storeOn(client, 1_000);
    const held = deferred<Lease>();
    let abortedAt = 0;
    const work = replica.withLease('job', 2_000, async (signal, lease) => {
      held.resolve(lease);
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          abortedAt = Date.now();
          resolve();
        });
      });
      return signal.reason as unknown;
    });
    const lease = await held.promise;
    // Cut the holder off: its authority (and the hub between them) is gone.
    await hub.stop();
    const reason = await work;
    expect(reason).toBeInstanceOf(StreamkitError);
    expect(reason).toMatchObject({ wireCode: 5003, retryable: true });
    expect(abortedAt).toBeLessThan(lease.expiresAt);

    const unreachable = await replica.acquireLease('other', 'x', 5_000).catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ wireCode: 5003, retryable: true, code: 'ERR_SK_UNAVAILABLE' });
  });

  it('shows the same worker inventory on another instance', async () => {
    const { hub, client } = await hubAndClient();
    const authority = await storeOn(hub);
    const replica = await storeOn(client);
    const remote = await replica.joinWorkers('w-client', { host: 'alpha' }, { heartbeatIntervalSeconds: 5 });
    const local = await authority.joinWorkers('w-hub', { host: 'hub1' });
    const onHub = await inventoryWhere(authority, (i) => i.workers.length === 2);
    const onClient = await inventoryWhere(replica, (i) => i.version === onHub.version);
    expect(onClient).toEqual(onHub);
    expect(onClient.workers).toMatchObject([
      { workerId: 'w-client', origin: 'alpha', metadata: { host: 'alpha' } },
      { workerId: 'w-hub', origin: 'hub1' },
    ]);
    await remote.leave();
    const left = await inventoryWhere(replica, (i) => i.change?.event === 'left');
    expect(left.workers.map((w) => w.workerId)).toEqual(['w-hub']);
    await local.leave();
  });
});
