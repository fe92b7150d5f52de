import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../internal/clock/index.js';

describe('backoff', () => {
  it('doubles from the base delay up to the cap, and starts over after a reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(b.failures).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('spreads each delay by the jitter fraction through the injected random source', () => {
    const policy = { baseMs: 1000, maxMs: 10_000, jitter: 0.2 };
    expect(backoffDelay({ ...policy, random: () => 0 }, 0)).toBe(800);
    expect(backoffDelay({ ...policy, random: () => 0.5 }, 0)).toBe(1000);
    expect(backoffDelay({ ...policy, random: () => 0.999_999 }, 1)).toBe(2400);
  });

  it('never overflows or goes negative on huge or negative attempt numbers', () => {
    expect(backoffDelay({ baseMs: 5, maxMs: 5000 }, 10_000)).toBe(5000);
    expect(backoffDelay({ baseMs: 5, maxMs: 5000 }, -3)).toBe(5);
    expect(backoffDelay({ baseMs: 5, maxMs: 5000, jitter: 2, random: () => 0 }, 0)).toBe(0);
  });
});
