import { describe, expect, it } from 'vitest';
import { LiveQueue } from '../../internal/delivery/index.js';

describe('LiveQueue', () => {
  it('hands pushed items to the reader in order, waiting readers first', async () => {
    const queue = new LiveQueue<number>();
    const waiting = queue.next();
    expect(queue.push(1)).toBeUndefined();
    void queue.push(2);
    void queue.push(3);
    expect(await waiting).toEqual({ value: 1, done: false });
    queue.end();
    const rest: number[] = [];
    for await (const n of queue) rest.push(n);
    expect(rest).toEqual([2, 3]);
    expect(queue.push(4)).toBeUndefined();
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('asks the producer to wait at the high water mark until the reader catches up', async () => {
    const queue = new LiveQueue<number>({ highWaterMark: 2 });
    expect(queue.push(1)).toBeUndefined();
    const full = queue.push(2);
    expect(full).toBeInstanceOf(Promise);
    let released = false;
    void full?.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    await queue.next();
    await full;
    expect(released).toBe(true);
  });

  it('ends on abort or return(), dropping the buffer and releasing a waiting producer, and calls onEnd once', async () => {
    let ends = 0;
    const controller = new AbortController();
    const queue = new LiveQueue<number>({ highWaterMark: 1, signal: controller.signal, onEnd: () => ends++ });
    const blocked = queue.push(1);
    controller.abort();
    await blocked;
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    await queue.return();
    expect(ends).toBe(1);

    const other = new LiveQueue<number>({ onEnd: () => ends++ });
    void other.push(1);
    expect(await other.return()).toEqual({ value: undefined, done: true });
    expect(await other.next()).toEqual({ value: undefined, done: true });
    expect(ends).toBe(2);
  });
});
