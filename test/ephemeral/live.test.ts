import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, hasErrorCode, type EphemeralStatus, type Message } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { collector } from '../support/messages.js';
import { client, startHub, waitForState } from './support.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'eph']);
});

describe('EphemeralMessenger live subscriptions', () => {
  it('delivers the subscribed channels live, in order, and keeps no cursor on the hub', async () => {
    const hub = await startHub(pki);
    await hub.messenger.publish('alerts', 'Alert', 'published before connecting');
    const em = client(pki, 'eph', hub, { subscribe: ['alerts'] });
    const alerts = collector();
    const metrics = collector();
    em.subscribe('alerts', alerts.handler);
    em.subscribe('metrics', metrics.handler);
    await em.connect();
    for (let i = 0; i < 5; i++) await hub.messenger.publish('alerts', 'Alert', i);
    const { id } = await hub.messenger.publish('metrics', 'Metric', { cpu: 1 });
    await alerts.waitFor(5);
    await metrics.waitFor(1);
    expect(alerts.messages.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
    expect(metrics.messages[0]).toMatchObject({
      id,
      channel: 'metrics',
      origin: 'hub1',
      payload: { cpu: 1 },
    });
    for (const channel of ['alerts', 'metrics']) {
      expect(fs.existsSync(path.join(hub.dataDir, 'subscribers', channel))).toBe(false);
    }
    expect(em.stats().messagesReceived).toBe(6);
  });

  it('logs a failing handler and keeps delivering; async handlers are awaited in order', async () => {
    const hub = await startHub(pki);
    const logger = new MemoryLogger();
    const em = client(pki, 'eph', hub, {}, { logger });
    const seen: unknown[] = [];
    em.subscribe('jobs', (m) => {
      if (m.payload === 'boom') throw new Error('handler exploded');
    });
    em.subscribe('jobs', async (m) => {
      await new Promise((r) => setImmediate(r));
      seen.push(m.payload);
      if (m.payload === 'reject') throw new Error('async handler failed');
    });
    await em.connect();
    for (const p of ['a', 'boom', 'reject', 'b', 'c']) await hub.messenger.publish('jobs', 'Job', p);
    await vi.waitFor(() => {
      expect(seen).toEqual(['a', 'boom', 'reject', 'b', 'c']);
    });
    const failures = logger.find('handler failed');
    expect(failures.map((e) => (e.fields['err'] as Error).message)).toEqual([
      'handler exploded',
      'async handler failed',
    ]);
  });

  it('stops a handler with stop() or at the end of an `await using` block, like a durable Subscription', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const [stopped, scoped, witness] = [collector(), collector(), collector()];
    const sub = em.subscribe('jobs', stopped.handler);
    em.subscribe('jobs', witness.handler);
    await em.connect();
    {
      await using _scope = em.subscribe('jobs', scoped.handler);
      await hub.messenger.publish('jobs', 'Job', 'first');
      await scoped.waitFor(1);
    }
    await sub.stop();
    await hub.messenger.publish('jobs', 'Job', 'second');
    await witness.waitFor(2);
    expect(stopped.messages.map((m) => m.payload)).toEqual(['first']);
    expect(scoped.messages.map((m) => m.payload)).toEqual(['first']);
  });

  it('iterates live messages with messages() until break, abort or close', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const controller = new AbortController();
    const iterated = em.messages('feed');
    const aborted = em.messages('feed', { signal: controller.signal });
    await em.connect();
    for (let i = 0; i < 3; i++) await hub.messenger.publish('feed', 'F', i);
    const received: unknown[] = [];
    for await (const message of iterated) {
      received.push(message.payload);
      if (received.length === 3) break;
    }
    expect(received).toEqual([0, 1, 2]);
    expect((await aborted.next()).value).toMatchObject({ payload: 0 });
    controller.abort();
    expect(await aborted.next()).toEqual({ value: undefined, done: true });
    const untilClose = em.messages('feed');
    await hub.messenger.publish('feed', 'F', 'last');
    const last = await untilClose.next();
    await em.close();
    expect(last.value).toMatchObject({ payload: 'last' });
    expect(await untilClose.next()).toEqual({ value: undefined, done: true });
  });

  it('fixes the requested channels at connect(): a new channel afterwards is refused', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub, { subscribe: ['a'] });
    em.subscribe('b', () => undefined);
    await em.connect();
    const more = collector();
    em.subscribe('a', more.handler);
    let error: unknown;
    try {
      em.subscribe('c', () => undefined);
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((error as Error).message).toContain('fixed once connect() was called');
    expect(() => em.messages('bad name')).toThrow(/invalid channel name/);
    await hub.messenger.publish('a', 'T', 1);
    await more.waitFor(1);
  });

  it('replays nothing published while disconnected: the hub resumes at its current end', async () => {
    const hub = await startHub(pki);
    const clock = new FakeClock();
    const em = client(pki, 'eph', hub, { autoReconnect: true }, { clock, random: () => 0.5 });
    const got = collector<string>();
    em.subscribe('live', got.handler);
    const statuses: EphemeralStatus[] = [];
    void (async () => {
      for await (const s of em.status()) statuses.push(s);
    })();
    await em.connect();
    await hub.messenger.publish('live', 'T', 'before');
    await got.waitFor(1);

    await internalsOf(hub.messenger).federation()!.hub!.session('eph')!.close(1001, 'dropped by test');
    await waitForState(em, 'reconnecting');
    await hub.messenger.publish('live', 'T', 'while disconnected');
    await clock.advance(1000);
    await waitForState(em, 'connected');
    await hub.messenger.publish('live', 'T', 'after');
    await got.waitFor(2);
    expect(got.messages.map((m: Message<string>) => m.payload)).toEqual(['before', 'after']);
    expect(statuses.map((s) => s.state)).toEqual([
      'idle',
      'connecting',
      'connected',
      'disconnected',
      'reconnecting',
      'connecting',
      'connected',
    ]);
    expect(statuses[3]?.error?.message).toContain('1001 dropped by test');
    expect(statuses[4]).toMatchObject({ attempt: 1, delayMs: 20 });
    expect(em.stats().connects).toBe(2);
  });
});
