import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../support/fake-clock.js';
import { post, put, startInstance } from './harness.js';

describe('stream lifecycle', () => {
  it('recreates a deleted stream empty, and answers 410 to offsets of the old one', async () => {
    const instance = await startInstance();
    try {
      await put(instance.url('s'), 'text/plain', 'old');
      const old = await fetch(instance.url('s'));
      const oldEnd = old.headers.get('stream-next-offset') ?? '';
      expect((await fetch(instance.url('s'), { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(instance.url('s'))).status).toBe(404);
      const folder = path.join(instance.dataDir, 'channels', 's');
      const files = fs.readdirSync(folder);
      expect(files).toHaveLength(1);
      expect(fs.statSync(path.join(folder, files[0] ?? '')).size).toBe(0);
      expect((await put(instance.url('s'), 'text/plain', 'new')).status).toBe(201);
      expect(await (await fetch(instance.url('s'))).text()).toBe('new');
      expect((await fetch(`${instance.url('s')}?offset=0000000000000000_0000000000000000`)).status).toBe(410);
      expect(
        oldEnd <=
          ((await fetch(instance.url('s'), { method: 'HEAD' })).headers.get('stream-next-offset') ?? ''),
      ).toBe(true);
      const retained = await instance.messenger.compact();
      expect(retained.segments).toBe(0);
    } finally {
      await instance.close();
    }
  });

  it('expires streams by idle TTL and by deadline on the instance clock; HEAD does not refresh', async () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const instance = await startInstance({ messenger: { clock } });
    try {
      await put(instance.url('idle'), 'text/plain', 'x', { 'stream-ttl': '10' });
      await put(instance.url('used'), 'text/plain', 'x', { 'stream-ttl': '10' });
      await put(instance.url('deadline'), 'text/plain', 'x', { 'stream-expires-at': '2030-01-01T00:00:15Z' });
      await clock.advance(6_000);
      await fetch(instance.url('idle'), { method: 'HEAD' });
      await fetch(instance.url('used'));
      await clock.advance(6_000);
      expect((await fetch(instance.url('idle'), { method: 'HEAD' })).status).toBe(404);
      expect((await fetch(instance.url('used'), { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(instance.url('deadline'))).status).toBe(200);
      await clock.advance(4_000);
      expect((await fetch(instance.url('deadline'), { method: 'HEAD' })).status).toBe(404);
      await clock.advance(10_000);
      expect((await fetch(instance.url('used'), { method: 'HEAD' })).status).toBe(404);
    } finally {
      await instance.close();
    }
  });

  it('ends a waiting long-poll with 404 when its stream is deleted', async () => {
    const clock = new FakeClock();
    const instance = await startInstance({ longPollTimeoutMs: 10_000, messenger: { clock } });
    try {
      const created = await put(instance.url('gone'), 'text/plain');
      const tail = created.headers.get('stream-next-offset') ?? '';
      const parked = clock.pendingTimeouts + 1;
      const poll = fetch(`${instance.url('gone')}?offset=${tail}&live=long-poll`);
      await vi.waitFor(() => {
        expect(clock.pendingTimeouts).toBe(parked);
      });
      await fetch(instance.url('gone'), { method: 'DELETE' });
      expect((await poll).status).toBe(404);
    } finally {
      await instance.close();
    }
  });
});

describe('appends under the periodic sync policy', () => {
  it('keep producer order and answers exact under concurrency (batched writes)', async () => {
    const instance = await startInstance({ syncPolicy: 'periodic' });
    try {
      await put(instance.url('p'), 'application/json');
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          post(instance.url('p'), 'application/json', JSON.stringify({ i }), {
            'producer-id': 'w',
            'producer-epoch': '0',
            'producer-seq': String(i),
          }).then((r) => r.status),
        ),
      );
      const accepted = statuses.filter((s) => s === 200).length;
      expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
      const items = (await (await fetch(instance.url('p'))).json()) as { i: number }[];
      expect(items.map((m) => m.i)).toEqual(Array.from({ length: accepted }, (_, i) => i));
      const offsets = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post(instance.url('p'), 'application/json', `{"c":${i}}`).then((r) =>
            r.headers.get('stream-next-offset'),
          ),
        ),
      );
      expect(new Set(offsets).size).toBe(20);
    } finally {
      await instance.close();
    }
  });

  it('wake a long-poll at the tail with a message published through the Messenger', async () => {
    const clock = new FakeClock();
    const instance = await startInstance({
      syncPolicy: 'periodic',
      longPollTimeoutMs: 10_000,
      messenger: { clock },
    });
    try {
      const created = await put(instance.url('live'), 'application/json');
      const tail = created.headers.get('stream-next-offset') ?? '';
      const parked = clock.pendingTimeouts + 1;
      const poll = fetch(`${instance.url('live')}?offset=${tail}&live=long-poll`);
      await vi.waitFor(() => {
        expect(clock.pendingTimeouts).toBe(parked);
      });
      await instance.messenger.publish('live', 'com.example.Tick', { tick: 1 });
      const res = await poll;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ tick: 1 }]);
      expect(res.headers.get('stream-up-to-date')).toBe('true');
    } finally {
      await instance.close();
    }
  });
});

describe('many live readers', () => {
  it('parks 30 long-polls on one stream without a listener-leak warning, and wakes them all', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    const clock = new FakeClock();
    const instance = await startInstance({
      syncPolicy: 'periodic',
      longPollTimeoutMs: 30_000,
      messenger: { clock },
    });
    try {
      const created = await put(instance.url('crowd'), 'application/json');
      const tail = created.headers.get('stream-next-offset') ?? '';
      const parked = clock.pendingTimeouts + 30;
      const polls = Array.from({ length: 30 }, () =>
        fetch(`${instance.url('crowd')}?offset=${tail}&live=long-poll`),
      );
      await vi.waitFor(() => {
        expect(clock.pendingTimeouts).toBe(parked);
      });
      await instance.messenger.publish('crowd', 'com.example.Tick', { tick: 1 });
      const answers = await Promise.all(polls);
      expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 30 }, () => 200));
      await Promise.all(answers.map((r) => r.text()));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await instance.close();
    }
  });
});

describe('shutdown', () => {
  it('answers parked long-polls with 204 and ends SSE streams cleanly when the endpoint closes', async () => {
    const clock = new FakeClock();
    const instance = await startInstance({ longPollTimeoutMs: 60_000, messenger: { clock } });
    const created = await put(instance.url('live'), 'text/plain');
    const tail = created.headers.get('stream-next-offset') ?? '';
    const sse = await fetch(`${instance.url('live')}?offset=${tail}&live=sse`);
    const reader = sse.body?.getReader();
    const first = await reader?.read();
    expect(Buffer.from(first?.value ?? new Uint8Array()).toString()).toContain('event: control');
    const parked = clock.pendingTimeouts + 1;
    const poll = fetch(`${instance.url('live')}?offset=${tail}&live=long-poll`);
    await vi.waitFor(() => {
      expect(clock.pendingTimeouts).toBeGreaterThanOrEqual(parked);
    });
    await instance.close();
    expect((await poll).status).toBe(204);
    let done = false;
    while (!done) done = (await reader?.read())?.done ?? true;
    expect(done).toBe(true);
  });
});
