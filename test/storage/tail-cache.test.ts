import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TailCache } from '../../internal/storage/tail-cache.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const WRITE_BYTES = 400;

/** A committed write of whole records: `WRITE_BYTES` bytes ending in a newline. */
function write(fill: string): Buffer {
  const data = Buffer.alloc(WRITE_BYTES, fill);
  data[WRITE_BYTES - 1] = 10;
  return data;
}

/** Adds `count` contiguous writes from offset 0 and returns weak references to them, oldest first. */
function addWrites(cache: TailCache, count: number): WeakRef<Buffer>[] {
  const refs: WeakRef<Buffer>[] = [];
  for (let i = 0; i < count; i++) {
    const data = write(String.fromCharCode(97 + i));
    refs.push(new WeakRef(data));
    cache.add(i * WRITE_BYTES, data);
  }
  return refs;
}

describe('TailCache', () => {
  it('lets go of the writes that left its window, keeping the newest ones readable', async () => {
    const cache = new TailCache(1000);
    const refs = addWrites(cache, 10);
    await nextTurn(); // a WeakRef holds its target until the job that made it ends
    collectGarbage();

    const kept = refs.map((ref) => ref.deref() !== undefined);
    expect(kept).toEqual([false, false, false, false, false, false, false, true, true, true]);
    expect(cache.start).toBe(7 * WRITE_BYTES);
    expect(cache.read(6 * WRITE_BYTES, 10_000)).toBeUndefined();
    const tail = cache.read(7 * WRITE_BYTES, 10_000);
    expect(tail?.length).toBe(3 * WRITE_BYTES);
    expect(tail?.subarray(0, 1).toString()).toBe('h');
  });
});
