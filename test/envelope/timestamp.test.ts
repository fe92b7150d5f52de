import { describe, expect, it } from 'vitest';
import { nowTimestamp } from '../../internal/envelope/index.js';

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z$/;

describe('nowTimestamp', () => {
  it('stamps the wall clock it is given, following a step of that clock at once', () => {
    const boot = Date.UTC(2026, 0, 1, 0, 0, 0, 5);
    const stepped = boot + 3_600_000 + 250;
    const before = nowTimestamp(boot);
    const after = nowTimestamp(stepped);
    expect(before.startsWith('2026-01-01T00:00:00.005')).toBe(true);
    expect(after.startsWith('2026-01-01T01:00:00.255')).toBe(true);
    expect(Math.floor(Date.parse(after))).toBe(stepped);
  });

  it('follows the real wall clock by default, with sub-millisecond digits ordered within a millisecond', () => {
    const stamps: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 1000; i++) stamps.push(nowTimestamp(Date.now()));
    const end = Date.now();
    for (const stamp of stamps) {
      expect(stamp).toMatch(RFC3339_NANO);
      const ms = Date.parse(stamp);
      expect(ms).toBeGreaterThanOrEqual(start);
      expect(ms).toBeLessThanOrEqual(end);
    }
    const sameMs = stamps.filter((stamp) => stamp.slice(0, 23) === stamps[0]!.slice(0, 23));
    expect(sameMs.length).toBeGreaterThan(1);
    expect([...sameMs].sort(byFraction)).toEqual(sameMs);
  });
});

function byFraction(a: string, b: string): number {
  return Number(`0.${a.slice(20, -1)}`) - Number(`0.${b.slice(20, -1)}`);
}
