// The wake/lease/fence state machine of a subscription, driven by a fake clock (no HTTP, no files).
import { describe, expect, it } from 'vitest';
import { SubscriptionError } from '../../internal/streams/subscriptions/config.js';
import { WakeState } from '../../internal/streams/subscriptions/wake-state.js';
import { CallbackTokens } from '../../internal/streams/subscriptions/webhook-security.js';
import { FakeClock } from '../support/fake-clock.js';

const LEASE_MS = 5_000;

function wakeState(generation = 0): { wake: WakeState; clock: FakeClock; expiries: number[] } {
  const clock = new FakeClock();
  const expiries: number[] = [];
  let ids = 0;
  const wake = new WakeState({
    subject: 'subscription:jobs',
    generation,
    leaseTtlMs: LEASE_MS,
    tokens: new CallbackTokens(),
    clock,
    onLeaseExpired: () => expiries.push(clock.now()),
    newWakeId: () => `w_${++ids}`,
  });
  return { wake, clock, expiries };
}

/** The wire code of the subscription error `fn` throws, or undefined. */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof SubscriptionError) return err.wireCode;
    throw err;
  }
}

const TAILS = new Map([['jobs/a', '0000000000000010']]);

describe('WakeState', () => {
  it('starts each wake at the next generation with a new id and a snapshot of the tails', () => {
    const { wake } = wakeState(7);
    expect(wake.idle).toBe(true);
    wake.start(TAILS);
    expect(wake).toMatchObject({ generation: 8, wakeId: 'w_1', idle: false, token: undefined });
    expect([...wake.snapshot]).toEqual([...TAILS]);
    wake.end();
    expect(wake).toMatchObject({ generation: 8, wakeId: undefined, idle: true });
    expect(wake.snapshot.size).toBe(0);
    wake.start(TAILS);
    expect(wake).toMatchObject({ generation: 9, wakeId: 'w_2' });
  });

  it('gives a wake to one worker at a time', () => {
    const { wake } = wakeState();
    wake.start(TAILS);
    const token = wake.claim('worker-1');
    expect(wake).toMatchObject({ holder: 'worker-1', token });
    let refused: unknown;
    try {
      wake.claim('worker-2');
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({
      wireCode: 'ALREADY_CLAIMED',
      details: { current_holder: 'worker-1', generation: 1 },
    });
    wake.end();
    expect(wake.holder).toBeUndefined();
    expect(() => wake.claim('worker-2')).not.toThrow();
  });

  it('fences a request with a token or a body of another wake', () => {
    const { wake } = wakeState();
    wake.start(TAILS);
    const first = wake.claim('w');
    const current = { generation: 1, wake_id: 'w_1' };
    expect(
      codeOf(() => {
        wake.fence(first, current);
      }),
    ).toBeUndefined();
    expect(
      codeOf(() => {
        wake.fence(first, { generation: 2, wake_id: 'w_1' });
      }),
    ).toBe('FENCED');
    expect(
      codeOf(() => {
        wake.fence(first, { generation: 1, wake_id: 'w_9' });
      }),
    ).toBe('FENCED');
    expect(
      codeOf(() => {
        wake.fence(first, undefined);
      }),
    ).toBe('FENCED');
    expect(
      codeOf(() => {
        wake.fence(`${first}x`, current);
      }),
    ).toBe('TOKEN_INVALID');
    expect(
      codeOf(() => {
        wake.fence('not-a-token', current);
      }),
    ).toBe('TOKEN_INVALID');
    // The next wake: the old token is stale even with the new body.
    wake.end();
    wake.start(TAILS);
    expect(
      codeOf(() => {
        wake.fence(first, { generation: 2, wake_id: 'w_2' });
      }),
    ).toBe('FENCED');
    // No wake under way: nothing can be acknowledged.
    wake.end();
    expect(
      codeOf(() => {
        wake.fence(first, current);
      }),
    ).toBe('FENCED');
  });

  it('refuses an expired token', async () => {
    const { wake, clock } = wakeState();
    wake.start(TAILS);
    const token = wake.issueToken();
    await clock.advance(3_601_000);
    // The token is checked first: expired, whatever became of the wake meanwhile.
    expect(
      codeOf(() => {
        wake.fence(token, { generation: 1, wake_id: 'w_1' });
      }),
    ).toBe('TOKEN_EXPIRED');
  });

  it('ends a wake whose lease runs out, unless an acknowledgement extended it', async () => {
    const { wake, clock, expiries } = wakeState();
    const started = clock.now();
    wake.start(TAILS);
    wake.claim('w');
    await clock.advance(LEASE_MS - 1);
    wake.extendLease();
    await clock.advance(LEASE_MS - 1);
    expect(expiries).toEqual([]);
    expect(wake.holder).toBe('w');
    await clock.advance(1);
    expect(expiries).toEqual([started + 2 * LEASE_MS - 1]);
    expect(wake).toMatchObject({ idle: true, holder: undefined, token: undefined, generation: 1 });
    expect(clock.pendingTimeouts).toBe(0);
  });

  it('stops its lease timer when ended or stopped', () => {
    const { wake, clock } = wakeState();
    wake.start(TAILS);
    wake.issueToken();
    expect(clock.pendingTimeouts).toBe(1);
    wake.end();
    expect(clock.pendingTimeouts).toBe(0);
    wake.start(TAILS);
    wake.claim('w');
    wake.stop();
    expect(clock.pendingTimeouts).toBe(0);
    expect(wake.holder).toBe('w');
  });
});
