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

  it('orders stamps made within one millisecond of the clock by their sub-millisecond digits', () => {
    const ms = Date.UTC(2026, 5, 1, 12, 0, 0, 7);
    const stamps: string[] = [];
    for (let i = 0; i < 1000; i++) stamps.push(nowTimestamp(ms));
    for (const stamp of stamps) {
      expect(stamp).toMatch(RFC3339_NANO);
      expect(stamp.startsWith('2026-06-01T12:00:00.007')).toBe(true);
      expect(Math.floor(Date.parse(stamp))).toBe(ms);
    }
    expect([...stamps].sort(byFraction)).toEqual(stamps);
    expect(new Set(stamps).size).toBeGreaterThan(1);
  });
});

function byFraction(a: string, b: string): number {
  return Number(`0.${a.slice(20, -1)}`) - Number(`0.${b.slice(20, -1)}`);
}
