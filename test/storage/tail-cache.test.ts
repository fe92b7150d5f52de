import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TailCache } from '../../internal/storage/tail-cache.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Whole records: `count` lines of `width` bytes (newline included), the i-th filled with `fill(i)`. */
function records(count: number, width: number, fill: (i: number) => string): Buffer {
  return Buffer.from(
    Array.from({ length: count }, (_, i) => fill(i).repeat(width - 1) + '\n').join(''),
    'latin1',
  );
}

const letter = (i: number): string => String.fromCharCode(97 + (i % 26));

/** Adds `count` writes of one 400-byte record each from offset 0; weak references to them, oldest first. */
function addWrites(cache: TailCache, count: number): WeakRef<Buffer>[] {
  const refs: WeakRef<Buffer>[] = [];
  for (let i = 0; i < count; i++) {
    const data = records(1, 400, () => letter(i));
    refs.push(new WeakRef(data));
    cache.add(i * 400, data);
  }
  return refs;
}

describe('TailCache', () => {
  it('keeps copies: no write it was given stays referenced, and the newest bytes stay readable', async () => {
    const cache = new TailCache(1000);
    const refs = addWrites(cache, 10);
    await nextTurn(); // a WeakRef holds its target until the job that made it ends
    collectGarbage();

    expect(refs.map((ref) => ref.deref() === undefined)).toEqual(Array<boolean>(10).fill(true));
    expect(cache.start).toBe(4000 - 1000);
    expect(cache.read(6 * 400, 10_000)).toBeUndefined();
    const tail = cache.read(8 * 400, 10_000);
    expect(tail?.toString('latin1')).toBe(records(2, 400, (i) => letter(8 + i)).toString('latin1'));
  });

  it('grows its buffer, then writes round it: reads across the wrap return the records in order', () => {
    const capacity = 200 * 1024;
    const cache = new TailCache(capacity);
    const width = 1000;
    const all = records(1000, width, letter);
    for (let i = 0; i < 1000; i += 7) {
      const end = Math.min(1000, i + 7);
      cache.add(i * width, all.subarray(i * width, end * width));
    }
    const firstKept = Math.ceil((all.length - capacity) / width) * width;
    expect(cache.read(firstKept - width, 1 << 20)).toBeUndefined();
    expect(cache.read(firstKept, 1 << 20)?.equals(all.subarray(firstKept))).toBe(true);
    const part = cache.read(990 * width, 3 * width + 500);
    expect(part?.equals(all.subarray(990 * width, 993 * width))).toBe(true);
  });

  it('returns a record longer than the read size whole, and keeps the newest records of a write longer than itself', () => {
    const cache = new TailCache(1000);
    cache.add(
      0,
      records(1, 600, () => 'a'),
    );
    expect(cache.read(0, 100)?.length).toBe(600);

    cache.add(600, records(5, 300, letter));
    expect(cache.read(600 + 300, 10_000)).toBeUndefined();
    expect(cache.read(600 + 2 * 300, 10_000)?.toString('latin1')).toBe(
      records(3, 300, (i) => letter(2 + i)).toString('latin1'),
    );

    cache.add(
      2100,
      records(1, 1500, () => 'z'),
    );
    expect(cache.start).toBeUndefined();
    cache.add(
      3600,
      records(1, 10, () => 'y'),
    );
    expect(cache.read(3600, 100)?.toString('latin1')).toBe('yyyyyyyyy\n');
  });

  it('restarts at a write that does not follow the last one', () => {
    const cache = new TailCache(1000);
    cache.add(0, records(2, 100, letter));
    cache.add(
      500,
      records(1, 100, () => 'q'),
    );
    expect(cache.read(0, 1000)).toBeUndefined();
    expect(cache.start).toBe(500);
    expect(cache.read(500, 1000)?.toString('latin1')).toBe(records(1, 100, () => 'q').toString('latin1'));
  });
});
