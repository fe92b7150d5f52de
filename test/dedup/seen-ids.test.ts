import { describe, it, expect } from 'vitest';
import { SeenIds } from '../../internal/dedup/index.js';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';

function filled(capacity: number, ...ids: string[]): SeenIds {
  const seen = new SeenIds(capacity);
  for (const id of ids) seen.add(id);
  return seen;
}

describe('SeenIds', () => {
  it('reports a new id as unseen and marks it', () => {
    const seen = new SeenIds(3);
    expect(seen.seenOrAdd('a')).toBe(false);
    expect(seen.has('a')).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('reports a duplicate as seen without adding it twice', () => {
    const seen = filled(3, 'a');
    expect(seen.seenOrAdd('a')).toBe(true);
    expect(seen.seenOrAdd('a')).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('always remembers the newest `capacity` ids and forgets ids two generations old', () => {
    const seen = filled(3, 'a', 'b', 'c', 'd', 'e');
    expect(['a', 'b', 'c', 'd', 'e'].every((id) => seen.has(id))).toBe(true);
    expect(seen.seenOrAdd('f')).toBe(false);
    expect(['a', 'b', 'c'].some((id) => seen.has(id))).toBe(false);
    expect(['d', 'e', 'f'].every((id) => seen.has(id))).toBe(true);
    expect(seen.size).toBe(3);
  });

  it('does not refresh an id on a seenOrAdd hit (Go ContainsOrAdd) or on has()', () => {
    const seen = filled(2, 'a', 'b');
    expect(seen.seenOrAdd('a')).toBe(true);
    expect(seen.has('a')).toBe(true);
    seen.add('c');
    seen.add('d');
    expect(seen.has('a')).toBe(false);
    expect(seen.seenOrAdd('a')).toBe(false);
  });

  it('refreshes an id on an explicit add', () => {
    const seen = filled(2, 'a', 'b');
    seen.add('a');
    seen.add('c');
    expect(seen.has('a')).toBe(true);
    expect(seen.has('b')).toBe(false);
  });

  it('forgets an id so the next sighting counts as new (write rollback)', () => {
    const seen = filled(3, 'a', 'b');
    seen.forget('a');
    expect(seen.has('a')).toBe(false);
    expect(seen.size).toBe(1);
    expect(seen.seenOrAdd('a')).toBe(false);
    seen.forget('never-seen');
    expect(seen.size).toBe(2);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects capacity %s', (capacity) => {
    let thrown: unknown;
    try {
      new SeenIds(capacity);
    } catch (err) {
      thrown = err;
    }
    expect(hasErrorCode(thrown, ErrorCode.INVALID_ARGUMENT)).toBe(true);
  });
});
