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

/** The two-generation behaviour SeenIds promises, with plain string sets. */
class ModelSeenIds {
  #current = new Set<string>();
  #previous = new Set<string>();
  constructor(readonly capacity: number) {}
  has(id: string): boolean {
    return this.#current.has(id) || this.#previous.has(id);
  }
  seenOrAdd(id: string): boolean {
    if (this.has(id)) return true;
    this.#insert(id);
    return false;
  }
  add(id: string): void {
    this.forget(id);
    this.#insert(id);
  }
  forget(id: string): void {
    this.#current.delete(id);
    this.#previous.delete(id);
  }
  get size(): number {
    return this.#current.size + this.#previous.size;
  }
  #insert(id: string): void {
    this.#current.add(id);
    if (this.#current.size >= this.capacity) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
  }
}

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function uuidFrom(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type Operation = 'seenOrAdd' | 'add' | 'forget' | 'has';

/** Runs `steps` operations chosen by `next` on SeenIds and on the model; both transcripts. */
function transcripts(
  capacity: number,
  steps: number,
  next: () => { id: string; op: Operation },
): { actual: string[]; expected: string[] } {
  const seen = new SeenIds(capacity);
  const model = new ModelSeenIds(capacity);
  const actual: string[] = [];
  const expected: string[] = [];
  for (let i = 0; i < steps; i++) {
    const { id, op } = next();
    if (op === 'add' || op === 'forget') {
      seen[op](id);
      model[op](id);
    } else {
      actual.push(`${i} ${op} ${String(seen[op](id))}`);
      expected.push(`${i} ${op} ${String(model[op](id))}`);
    }
    if (seen.size !== model.size) actual.push(`${i} size ${seen.size} != ${model.size}`);
  }
  return { actual, expected };
}

describe('SeenIds with UUID ids (held as 128-bit keys)', () => {
  it('treats an upper-case UUID and the same UUID in lower case as different ids', () => {
    const seen = new SeenIds(10);
    const id = '0194a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b';
    expect(seen.seenOrAdd(id)).toBe(false);
    expect(seen.seenOrAdd(id.toUpperCase())).toBe(false);
    expect(seen.seenOrAdd(id)).toBe(true);
    expect(seen.size).toBe(2);
  });

  it('keeps the nil and max UUIDs, and near-UUIDs, apart from each other', () => {
    const seen = new SeenIds(10);
    const ids = [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '00000000-0000-0000-0000-000000000001',
      'fffffffe-ffff-ffff-ffff-ffffffffffff',
      '0194a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5g',
      '0194a2b3c4d5-7e6f-8a9b-0c1d2e3f4a5b-',
    ];
    for (const id of ids) expect(seen.seenOrAdd(id)).toBe(false);
    for (const id of ids) expect(seen.has(id)).toBe(true);
    expect(seen.size).toBe(ids.length);
  });

  it('reads an id from its bytes exactly as from its string', () => {
    const random = prng(5);
    const ids = [
      ...Array.from({ length: 200 }, () => uuidFrom(random)),
      uuidFrom(random).toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0194a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5g',
      '0194a2b3c4d5-7e6f-8a9b-0c1d2e3f4a5b-',
      'msg-1',
    ];
    const fromStrings = new SeenIds(1000);
    const fromBytes = new SeenIds(1000);
    for (const id of [...ids, ...ids]) {
      const bytes = Buffer.from(`{"id":"${id}"}`);
      expect(fromBytes.seenOrAdd(id, bytes, 7), id).toBe(fromStrings.seenOrAdd(id));
    }
    // Keys read from bytes are the keys read from strings.
    for (const id of ids) expect(fromBytes.has(id), id).toBe(true);
    expect(fromBytes.size).toBe(fromStrings.size);
  });

  it.each([1, 7, 1000])(
    'answers exactly as two generations of string sets (capacity %i, 60 000 random operations)',
    (capacity) => {
      const random = prng(capacity);
      const pool = Array.from({ length: 3000 }, (_, i) => {
        const kind = i % 10;
        if (kind === 0) return `msg-${i}`;
        if (kind === 1) return uuidFrom(random).toUpperCase();
        return uuidFrom(random);
      });
      pool.push('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff');
      const { actual, expected } = transcripts(capacity, 60_000, () => {
        const id = pool[Math.floor(random() * pool.length)] ?? '';
        const op = random();
        return { id, op: op < 0.6 ? 'seenOrAdd' : op < 0.75 ? 'add' : op < 0.85 ? 'forget' : 'has' };
      });
      expect(actual).toEqual(expected);
    },
  );

  it('answers exactly as string sets for time-ordered ids, old and future ones looked up too', () => {
    const random = prng(77);
    // Sorted like UUID v7 ids made over time: most operations take the next one, some go back or ahead.
    const pool = Array.from({ length: 4000 }, () => uuidFrom(random)).sort();
    let next = 0;
    const { actual, expected } = transcripts(300, 30_000, () => {
      const op = random();
      const id = pool[op < 0.7 ? next++ % pool.length : Math.floor(random() * pool.length)] ?? '';
      return { id, op: op < 0.85 ? 'seenOrAdd' : op < 0.9 ? 'forget' : 'has' };
    });
    expect(actual).toEqual(expected);
  });
});
