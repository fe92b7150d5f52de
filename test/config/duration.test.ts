import { describe, expect, it } from 'vitest';
import { parseGoDuration, parseRetention } from '../../src/config/duration.js';

describe('parseGoDuration (Go time.ParseDuration grammar)', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['168h', 604_800_000],
    ['1h30m', 5_400_000],
    ['1h30m15.5s', 5_415_500],
    ['+2m', 120_000],
    ['-1.5h', -5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['1500us', 2],
    ['1500µs', 2],
    ['1500μs', 2],
    ['1ns', 1],
    ['250ms', 250],
  ])('%s is %d ms (fractions of a ms round away from zero)', (text, ms) => {
    expect(parseGoDuration(text)).toEqual({ ms });
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['h', 'time: invalid duration "h"'],
    ['.h', 'time: invalid duration ".h"'],
    ['5', 'time: missing unit in duration "5"'],
    ['1h5', 'time: missing unit in duration "1h5"'],
    ['7d', 'time: unknown unit "d" in duration "7d"'],
    ['1h 30m', 'time: unknown unit "h " in duration "1h 30m"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
  ])("%j is rejected with Go's message", (text, error) => {
    expect(parseGoDuration(text)).toEqual({ error });
  });
});

describe('parseRetention (Go durations, leading days, forever)', () => {
  it.each([
    ['forever', 0],
    ['0', 0],
    ['7d', 604_800_000],
    ['1.5d', 129_600_000],
    ['1d12h', 129_600_000],
    ['36h', 129_600_000],
    ['10m', 600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseRetention(text)).toEqual({ ms });
  });

  it.each([
    ['-1h', 'must not be negative'],
    ['1d-1h', 'must not be negative'],
    ['7days', 'invalid duration "7days"'],
    ['7d1', 'invalid duration "7d1"'],
    ['d', 'time: invalid duration "d"'],
    ['never', 'time: invalid duration "never"'],
  ])('%s is refused: %s', (text, error) => {
    expect(parseRetention(text)).toEqual({ error });
  });
});
