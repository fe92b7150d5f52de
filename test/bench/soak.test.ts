import { describe, expect, it } from 'vitest';
import { slopePerMinute } from '../../bench/soak.js';

describe('soak RSS slope', () => {
  it('is the least-squares slope in MB per minute of (minute, MB) samples', () => {
    expect(
      slopePerMinute([
        [5, 100],
        [6, 102],
        [7, 104],
        [8, 106],
      ]),
    ).toBeCloseTo(2, 9);
    // A step and back: noise around a level, not growth.
    expect(
      slopePerMinute([
        [5, 100],
        [6, 110],
        [7, 100],
        [8, 110],
        [9, 100],
      ]),
    ).toBeCloseTo(0, 9);
    expect(slopePerMinute([[5, 100]])).toBe(0);
  });
});
