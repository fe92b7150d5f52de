import { describe, expect, it, vi } from 'vitest';
import {
  BURST_WITHIN_MS,
  FlushScheduler,
  SINGLES_BEFORE_SYNC_ON_LOOP,
  TURN_BUDGET_MS,
} from '../../internal/storage/index.js';
import { FaultyFs } from '../support/faulty-fs.js';
import { ManualEventLoop } from '../support/manual-loop.js';
import { tempDir } from '../support/temp-dir.js';
import { openLog, record } from './helpers.js';

describe('FlushScheduler', () => {
  it('flushes from microtasks until the turn budget is spent, then in the next turn, one budget for all writers', () => {
    const loop = new ManualEventLoop();
    const scheduler = new FlushScheduler(loop);
    const orders = scheduler.forWriter(false);
    const audit = scheduler.forWriter(false);
    const flushed: string[] = [];
    orders.schedule(() => flushed.push('orders 1'));
    loop.time += TURN_BUDGET_MS / 2;
    orders.schedule(() => flushed.push('orders 2'));
    expect(loop.microtasks).toBe(2);
    loop.runMicrotasks();
    expect(flushed).toEqual(['orders 1', 'orders 2']);

    loop.time += TURN_BUDGET_MS / 2;
    audit.schedule(() => flushed.push('audit 1')); // its first flush, but the turn's budget is spent
    expect(loop.microtasks).toBe(0);
    loop.turn();
    expect(flushed).toEqual(['orders 1', 'orders 2', 'audit 1']);

    audit.schedule(() => flushed.push('audit 2')); // a new turn, a new budget
    expect(loop.microtasks).toBe(1);
  });

  it('waits for the end of the I/O phase when each write is fsynced', () => {
    const loop = new ManualEventLoop();
    const flushed: number[] = [];
    new FlushScheduler(loop).forWriter(true).schedule(() => flushed.push(1));
    loop.runMicrotasks();
    expect(flushed).toEqual([]);
    loop.turn();
    expect(flushed).toEqual([1]);
  });

  it('fsyncs on the loop after a streak of single records; a group or a queued append ends the streak', () => {
    const schedule = new FlushScheduler(new ManualEventLoop()).forWriter(true);
    const singles = (n: number): boolean[] => Array.from({ length: n }, () => schedule.syncOnLoop(1, 1, 0));
    expect(singles(SINGLES_BEFORE_SYNC_ON_LOOP)).toEqual([
      ...Array<boolean>(SINGLES_BEFORE_SYNC_ON_LOOP - 1).fill(false),
      true,
    ]);
    expect(schedule.syncOnLoop(1, 1, 0)).toBe(true);
    expect(schedule.syncOnLoop(2, 2, 0)).toBe(false);
    expect(singles(SINGLES_BEFORE_SYNC_ON_LOOP).at(-1)).toBe(true);
    expect(schedule.syncOnLoop(1, 1, 1)).toBe(false);
    expect(schedule.syncOnLoop(1, 3, 0)).toBe(false);
    expect(new FlushScheduler().forWriter(false).syncOnLoop(5, 9, 3)).toBe(true);
  });

  it("starts a stream batcher's write at once, or after the turn's I/O phase during a burst without fsyncs", async () => {
    const loop = new ManualEventLoop();
    const scheduler = new FlushScheduler(loop);
    const batcher = scheduler.forBatcher(true);
    const started: string[] = [];
    const drain = (name: string) => (): Promise<void> => {
      started.push(name);
      batcher.batchStarted();
      return Promise.resolve();
    };
    await batcher.start(drain('lone'));
    expect(started).toEqual(['lone']);
    loop.time += BURST_WITHIN_MS / 2;
    const burst = batcher.start(drain('burst'));
    await Promise.resolve();
    expect(started).toEqual(['lone']);
    loop.turn();
    await burst;
    expect(started).toEqual(['lone', 'burst']);
    loop.time += BURST_WITHIN_MS;
    await batcher.start(drain('after a pause'));
    expect(started).toEqual(['lone', 'burst', 'after a pause']);

    const fsynced = scheduler.forBatcher(false);
    fsynced.batchStarted();
    await fsynced.start(drain('fsynced'));
    expect(started.at(-1)).toBe('fsynced');
  });

  it('answers a writer that woke readers in the next turn', async () => {
    const loop = new ManualEventLoop();
    let answered = false;
    const answer = new FlushScheduler(loop).afterWokenReaders().then(() => (answered = true));
    await Promise.resolve();
    expect(answered).toBe(false);
    loop.turn();
    await answer;
    expect(answered).toBe(true);
  });

  it('drives a channel writer: nothing is written until the loop runs the flush, and one write takes the turn', async () => {
    const loop = new ManualEventLoop();
    const faulty = new FaultyFs();
    const log = await openLog(tempDir(), 'orders', {
      segmentFs: faulty,
      syncPolicy: 'always',
      scheduler: new FlushScheduler(loop),
    });
    const first = log.append(record(1), 1);
    await vi.waitFor(() => {
      expect(loop.waitingForTurn).toBe(1); // the writer opened and scheduled its flush
    });
    const more = [log.append(record(2), 1), log.append(record(3), 1)];
    expect(faulty.writes).toBe(0);
    loop.turn();
    expect(faulty.writes).toBe(1);
    await expect(Promise.all([first, ...more])).resolves.toEqual([
      { start: 0, end: 64 },
      { start: 64, end: 128 },
      { start: 128, end: 192 },
    ]);
    expect(faulty.datasyncs).toBe(1);
    await log.close();
  });
});
