import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAYLOAD_TYPES } from '../../internal/streams/index.js';
import type { Message } from '../../src/index.js';
import { collector } from '../support/messages.js';
import { post, put, startInstance, type StreamsInstance } from './harness.js';

let instance: StreamsInstance;
beforeAll(async () => {
  instance = await startInstance();
});
afterAll(async () => {
  await instance.close();
});

describe('streams and channels', () => {
  it('serve messages published with Messenger.publish on a stream channel', async () => {
    expect((await put(instance.url('orders'), 'application/json')).status).toBe(201);
    await instance.messenger.publish('orders', 'com.example.Order', { sku: 'A-1', qty: 2 });
    await post(instance.url('orders'), 'application/json', '[{"sku":"B-2"}]');
    const read = await fetch(instance.url('orders'));
    expect(await read.json()).toEqual([{ sku: 'A-1', qty: 2 }, { sku: 'B-2' }]);
    expect(read.headers.get('stream-next-offset')).toMatch(/^0{16}_\d{16}$/);
  });

  it('deliver HTTP appends to Messenger subscribers with a payload type per encoding', async () => {
    const got = collector();
    await instance.messenger.subscribe('notes', 'reader', got.handler, { from: 'beginning' });
    await put(instance.url('notes'), 'text/plain', 'hello');
    await post(instance.url('notes'), 'text/plain', Buffer.from([0xff, 0xfe]));
    await got.waitFor(2);
    expect(got.messages.map((m: Message) => [m.payloadType, m.payload])).toEqual([
      [PAYLOAD_TYPES.text, 'hello'],
      [PAYLOAD_TYPES.bytes, '//4='],
    ]);
    expect(Buffer.from(await (await fetch(instance.url('notes'))).arrayBuffer())).toEqual(
      Buffer.concat([Buffer.from('hello'), Buffer.from([0xff, 0xfe])]),
    );
  });

  it('serve a path with slashes from the channel with dots, and refuse a clashing name', async () => {
    expect((await put(instance.url('events/eu'), 'application/json', '{"n":1}')).status).toBe(201);
    await instance.messenger.publish('events.eu', 'T', { n: 2 });
    expect(await (await fetch(instance.url('events/eu'))).json()).toEqual([{ n: 1 }, { n: 2 }]);
    const clash = await put(instance.url('events.eu'), 'application/json');
    expect(clash.status).toBe(409);
    expect(await clash.text()).toMatch(/events\/eu/);
  });

  it('refuse invalid stream names with 400 and the broken rule', async () => {
    for (const name of ['a%20b', 'a//b', 'x.dead-letter', 'caf%C3%A9', 'a/']) {
      const res = await put(instance.url(name), 'text/plain');
      expect(res.status, name).toBe(400);
      expect(await res.text(), name).toMatch(/invalid stream name|reserved|required/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const control = await put(instance.url('__ds/unknown'), 'text/plain');
    expect(control.status).toBe(404);
  });

  it('keep stream channels out of consumption-based compaction', async () => {
    await put(instance.url('kept'), 'text/plain', 'x');
    expect(await instance.messenger.compact()).toEqual(expect.objectContaining({ segments: 0 }));
    expect(await (await fetch(instance.url('kept'))).text()).toBe('x');
  });

  it('refuse a body over the append limit with 413 and store nothing', async () => {
    await put(instance.url('big'), 'application/octet-stream');
    const res = await post(
      instance.url('big'),
      'application/octet-stream',
      new Uint8Array(10 * 1024 * 1024 + 1),
    );
    expect(res.status).toBe(413);
    const head = await fetch(instance.url('big'), { method: 'HEAD' });
    expect(head.headers.get('stream-next-offset')).toBe(
      (await put(instance.url('big'), 'application/octet-stream')).headers.get('stream-next-offset'),
    );
  });

  it('wake subscriptions for messages published through the Messenger too', async () => {
    await put(instance.url('wakes/pool'), 'application/json', '[]');
    await put(instance.url('jobs/one'), 'application/json');
    const sub = await fetch(`${instance.endpoint.url}/v1/stream/__ds/subscriptions/jobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'pull-wake', pattern: 'jobs/*', wake_stream: 'wakes/pool' }),
    });
    expect(sub.status).toBe(201);
    await instance.messenger.publish('jobs.one', 'com.example.Job', { id: 7 });
    await vi.waitFor(async () => {
      const events = (await (await fetch(instance.url('wakes/pool'))).json()) as { stream: string }[];
      expect(events).toEqual([
        expect.objectContaining({ type: 'wake', subscription_id: 'jobs', stream: 'jobs/one' }),
      ]);
    });
  });

  it('honour a closure record found in the channel for readers and writers alike', async () => {
    await put(instance.url('ext'), 'text/plain', 'a');
    await instance.messenger.publish('ext', PAYLOAD_TYPES.control, { closed: true });
    const read = await fetch(instance.url('ext'));
    expect(await read.text()).toBe('a');
    expect(read.headers.get('stream-closed')).toBe('true');
    const refused = await post(instance.url('ext'), 'text/plain', 'b');
    expect(refused.status).toBe(409);
    expect(refused.headers.get('stream-next-offset')).toBe(read.headers.get('stream-next-offset'));
  });
});
