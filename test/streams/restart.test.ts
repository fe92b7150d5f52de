import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { post, put, startInstance } from './harness.js';

const producer = (seq: number) => ({
  'producer-id': 'p1',
  'producer-epoch': '2',
  'producer-seq': String(seq),
});

describe('streams across a restart', () => {
  it('keep configuration, data, offsets, producers, Stream-Seq and closure', async () => {
    const first = await startInstance();
    const { dataDir } = first;
    await put(first.url('log'), 'application/json', '[{"n":1}]', { 'stream-ttl': '3600' });
    expect((await post(first.url('log'), 'application/json', '{"n":2}', producer(0))).status).toBe(200);
    expect((await post(first.url('log'), 'application/json', '{"n":3}', { 'stream-seq': 'b' })).status).toBe(
      204,
    );
    const beforeHead = await fetch(first.url('log'), { method: 'HEAD' });
    await put(first.url('closed'), 'text/plain', 'final', { 'stream-closed': 'true' });
    await first.close();

    const second = await startInstance({ dataDir });
    try {
      const head = await fetch(second.url('log'), { method: 'HEAD' });
      expect(head.headers.get('stream-next-offset')).toBe(beforeHead.headers.get('stream-next-offset'));
      expect(head.headers.get('stream-ttl')).toBe('3600');
      expect(head.headers.get('content-type')).toBe('application/json');
      expect(await (await fetch(second.url('log'))).json()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);

      const retry = await post(second.url('log'), 'application/json', '{"n":2}', producer(0));
      expect(retry.status).toBe(204);
      expect(retry.headers.get('producer-seq')).toBe('0');
      const gap = await post(second.url('log'), 'application/json', '{"n":9}', producer(5));
      expect(gap.status).toBe(409);
      expect(gap.headers.get('producer-expected-seq')).toBe('1');
      expect(
        (await post(second.url('log'), 'application/json', '{"n":9}', { 'stream-seq': 'a' })).status,
      ).toBe(409);

      const closedHead = await fetch(second.url('closed'), { method: 'HEAD' });
      expect(closedHead.headers.get('stream-closed')).toBe('true');
      const refused = await post(second.url('closed'), 'text/plain', 'more');
      expect(refused.status).toBe(409);
      expect(refused.headers.get('stream-next-offset')).toBe(closedHead.headers.get('stream-next-offset'));
      expect(
        (await put(second.url('closed'), 'text/plain', undefined, { 'stream-closed': 'true' })).status,
      ).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('keep forks, soft deletes and the cascade that follows them', async () => {
    const first = await startInstance();
    const { dataDir } = first;
    await put(first.url('src'), 'text/plain', 'abc');
    await put(first.url('fork'), 'text/plain', undefined, {
      'stream-forked-from': '/v1/stream/src',
      'stream-fork-offset': '0000000000000000_0000000000000000',
      'stream-fork-sub-offset': '2',
    });
    await post(first.url('fork'), 'text/plain', 'Z');
    expect((await fetch(first.url('src'), { method: 'DELETE' })).status).toBe(204);
    await first.close();

    const second = await startInstance({ dataDir });
    try {
      expect((await fetch(second.url('src'), { method: 'HEAD' })).status).toBe(410);
      expect(await (await fetch(second.url('fork'))).text()).toBe('abZ');
      expect((await fetch(second.url('fork'), { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(second.url('src'), { method: 'HEAD' })).status).toBe(404);
      expect((await put(second.url('src'), 'text/plain', 'new')).status).toBe(201);
      expect(await (await fetch(second.url('src'))).text()).toBe('new');
    } finally {
      await second.close();
    }
  });

  it('keep subscriptions and their acknowledged offsets', async () => {
    const first = await startInstance();
    const { dataDir } = first;
    const sub = `${first.endpoint.url}/v1/stream/__ds/subscriptions/s1`;
    await put(first.url('jobs/a'), 'application/json', '[]');
    const created = await fetch(sub, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'pull-wake', streams: ['jobs/a'], wake_stream: 'jobs/a' }),
    });
    expect(created.status).toBe(201);
    await first.close();

    const second = await startInstance({ dataDir });
    try {
      const res = await fetch(`${second.endpoint.url}/v1/stream/__ds/subscriptions/s1`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { type: string; streams: { path: string; link_type: string }[] };
      expect(body.type).toBe('pull-wake');
      expect(body.streams).toEqual([expect.objectContaining({ path: 'jobs/a', link_type: 'explicit' })]);
    } finally {
      await second.close();
    }
  });

  it('keep the valid subscriptions of a damaged file and skip the others', async () => {
    const first = await startInstance();
    const { dataDir } = first;
    await put(first.url('jobs/a'), 'application/json', '[]');
    const created = await fetch(`${first.endpoint.url}/v1/stream/__ds/subscriptions/s1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'pull-wake', streams: ['jobs/a'], wake_stream: 'jobs/a' }),
    });
    expect(created.status).toBe(201);
    await first.close();
    const file = path.join(dataDir, 'streams', 'subscriptions.json');
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>[];
    expect(stored).toHaveLength(1);
    const damaged = [{ ...stored[0], id: 's2', links: null }, stored[0], 'not a subscription'];
    fs.writeFileSync(file, JSON.stringify(damaged));

    const second = await startInstance({ dataDir });
    try {
      const base = `${second.endpoint.url}/v1/stream/__ds/subscriptions`;
      expect((await fetch(`${base}/s1`)).status).toBe(200);
      expect((await fetch(`${base}/s2`)).status).toBe(404);
    } finally {
      await second.close();
    }
  });
});
