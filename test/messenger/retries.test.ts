import { describe, expect, it, vi } from 'vitest';
import { Messenger, type DeadLetterPayload } from '../../src/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { FaultyFs } from '../support/faulty-fs.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

async function openWithClock(clock: FakeClock, maxRetries?: number): Promise<Messenger> {
  return Messenger.open(
    {
      name: 'node-a',
      storage: { dataDir: tempDir(), syncPolicy: 'none' },
      subscribers: maxRetries === undefined ? {} : { maxRetries },
    },
    { clock },
  );
}

/** Advances the clock each time the subscriber starts a backoff sleep, until `count` sleeps happened. */
async function driveBackoffs(clock: FakeClock, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await vi.waitFor(() => {
      expect(clock.sleeps.length).toBeGreaterThan(i);
    });
    await clock.advance(clock.sleeps[i]!);
  }
}

describe('Messenger: retries and dead letters', () => {
  it('retries with backoff 100 ms doubling, then dead-letters with the Go payload', async () => {
    const clock = new FakeClock();
    const m = await openWithClock(clock);
    let attempts = 0;
    await m.subscribe('orders', 's', () => {
      attempts++;
      throw new Error('boom <&>');
    });
    const dead = collector<DeadLetterPayload>();
    await m.subscribe('orders.dead-letter', 'ops', dead.handler);
    const receipt = await m.publish('orders', 'T', { n: 1 });
    await driveBackoffs(clock, 5);
    await dead.waitFor(1);
    expect(attempts).toBe(6);
    expect(clock.sleeps.slice(0, 5)).toEqual([100, 200, 400, 800, 1600]);
    const dl = dead.messages[0]!;
    expect(dl.channel).toBe('orders.dead-letter');
    expect(dl.origin).toBe('node-a');
    expect(dl.payload).toMatchObject({ retries: 5, last_error: 'boom <&>' });
    expect(dl.payload.original).toMatchObject({ id: receipt.id, channel: 'orders', payload: { n: 1 } });
    expect(dl.payload.failed_at).toMatch(/Z$/);
    await m.close();
  });

  it('caps the backoff at the configured maximum and treats a rejected promise as a failure', async () => {
    const clock = new FakeClock();
    const m = await Messenger.open(
      {
        storage: { dataDir: tempDir(), syncPolicy: 'none' },
        subscribers: { maxRetries: 4, retryBackoffBaseMs: 1000, retryBackoffMaxMs: 2500 },
      },
      { clock },
    );
    const dead = collector();
    await m.subscribe('orders.dead-letter', 'ops', dead.handler);
    await m.subscribe('orders', 's', () => Promise.reject(new Error('rejected')));
    await m.publish('orders', 'T', 1);
    await driveBackoffs(clock, 4);
    await dead.waitFor(1);
    expect(clock.sleeps.slice(0, 4)).toEqual([1000, 2000, 2500, 2500]);
    await m.close();
  });

  it('an explicit maxRetries of 0 dead-letters after the first failure', async () => {
    const clock = new FakeClock();
    const m = await openWithClock(clock, 0);
    const dead = collector();
    await m.subscribe('orders.dead-letter', 'ops', dead.handler);
    await m.subscribe('orders', 's', () => {
      throw new Error('no');
    });
    await m.publish('orders', 'T', 1);
    await dead.waitFor(1);
    expect(clock.sleeps).toEqual([]);
    await m.close();
  });

  it('succeeds on a retry and moves on in order', async () => {
    const clock = new FakeClock();
    const m = await openWithClock(clock);
    const seen: number[] = [];
    let failOnce = true;
    await m.subscribe('orders', 's', (msg) => {
      if (msg.payload === 1 && failOnce) {
        failOnce = false;
        throw new Error('transient');
      }
      seen.push(msg.payload as number);
    });
    await m.publish('orders', 'T', 1);
    await m.publish('orders', 'T', 2);
    await driveBackoffs(clock, 1);
    await vi.waitFor(() => {
      expect(seen).toEqual([1, 2]);
    });
    await m.close();
  });

  it('stopping during a backoff never skips the failed message', async () => {
    const clock = new FakeClock();
    const dataDir = tempDir();
    const m = await Messenger.open({ storage: { dataDir, syncPolicy: 'none' } }, { clock });
    const sub = await m.subscribe('orders', 's', () => {
      throw new Error('down');
    });
    await m.publish('orders', 'T', 'first');
    await m.publish('orders', 'T', 'second');
    await vi.waitFor(() => {
      expect(clock.sleeps.length).toBe(1);
    });
    await sub.stop();
    await m.close();
    const again = await Messenger.open({ storage: { dataDir, syncPolicy: 'none' } });
    const got = collector<string>();
    await again.subscribe('orders', 's', got.handler);
    await got.waitFor(2);
    expect(got.messages.map((x) => x.payload)).toEqual(['first', 'second']);
    await again.close();
  });

  it('a failing handler on a dead-letter channel is skipped, never dead-lettered again', async () => {
    const clock = new FakeClock();
    const m = await openWithClock(clock, 0);
    await m.subscribe('orders', 's', () => {
      throw new Error('first');
    });
    let dlAttempts = 0;
    await m.subscribe('orders.dead-letter', 'ops', () => {
      dlAttempts++;
      throw new Error('second');
    });
    await m.publish('orders', 'T', 1);
    await vi.waitFor(() => {
      expect(dlAttempts).toBe(1);
    });
    await vi.waitFor(() => {
      expect(m.stats().channels['orders.dead-letter']?.subscribers['ops']?.lagBytes).toBe(0);
    });
    expect(m.stats().channels['orders.dead-letter.dead-letter']).toBeUndefined();
    await m.close();
  });
});

describe('Messenger: a failing dead-letter write', () => {
  it('stalls the subscriber on the message and retries the write with backoff until it lands', async () => {
    const clock = new FakeClock();
    const segmentFs = new FaultyFs();
    const m = await Messenger.open(
      { storage: { dataDir: tempDir(), syncPolicy: 'none' }, subscribers: { maxRetries: 0 } },
      { clock, segmentFs },
    );
    const receipt = await m.publish('orders', 'T', { n: 1 });
    // The dead-letter channel's first segment cannot be created, twice.
    segmentFs.faults.push({ op: 'create', code: 'EACCES' }, { op: 'create', code: 'EACCES' });
    await m.subscribe(
      'orders',
      's',
      () => {
        throw new Error('boom');
      },
      { from: 'beginning' },
    );
    const stats = () => m.stats().channels['orders']?.subscribers['s'];
    await vi.waitFor(() => {
      expect(stats()).toMatchObject({ deadLetterFailures: 1, stalled: true, deadLettered: 0 });
    });
    expect(stats()?.offset).toBe(receipt.offset);
    await driveBackoffs(clock, 1);
    await vi.waitFor(() => {
      expect(stats()).toMatchObject({ deadLetterFailures: 2, stalled: true, deadLettered: 0 });
    });
    expect(stats()?.offset).toBe(receipt.offset);
    await clock.advance(clock.sleeps[1]!);
    expect(clock.sleeps).toEqual([100, 200]);
    await vi.waitFor(() => {
      expect(stats()).toMatchObject({ deadLetterFailures: 2, stalled: false, deadLettered: 1 });
    });
    expect(stats()?.offset).toBeGreaterThan(receipt.offset);
    const dead = collector<DeadLetterPayload>();
    await m.subscribe('orders.dead-letter', 'ops', dead.handler, { from: 'beginning' });
    await dead.waitFor(1);
    expect(dead.messages[0]?.payload.original).toMatchObject({ id: receipt.id });
    await m.close();
  });
});

describe('Messenger: stopping a subscription', () => {
  it('aborts the running handler with ERR_SUBSCRIBER_STOPPED', async () => {
    const m = await Messenger.open({ storage: { dataDir: tempDir(), syncPolicy: 'none' } });
    const reasons: unknown[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const sub = await m.subscribe('jobs', 'worker', (_message, { signal }) => {
      started();
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          reasons.push(signal.reason);
          resolve();
        });
      });
    });
    await m.publish('jobs', 'N', 1);
    await running;
    await sub.stop();
    expect(reasons).toEqual([expect.objectContaining({ code: 'ERR_SUBSCRIBER_STOPPED' })]);
    await m.close();
  });
});
