import { describe, expect, it, vi } from 'vitest';
import { internalsOf } from '../../src/wiring/index.js';
import { post, put, startInstance } from './harness.js';

describe('stream growth watches', () => {
  it('exist only while subscriptions do, so appends to unsubscribed streams wake nothing', async () => {
    const instance = await startInstance();
    try {
      await put(instance.url('jobs/one'), 'application/json');
      await put(instance.url('wakes'), 'application/json', '[]');
      expect((await post(instance.url('jobs/one'), 'application/json', '{"n":1}')).status).toBe(204);
      const log = await internalsOf(instance.messenger).storage.log('jobs.one');
      expect(log.hasWaiters).toBe(false);

      const subscription = `${instance.endpoint.url}/v1/stream/__ds/subscriptions/jobs`;
      const created = await fetch(subscription, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'pull-wake', pattern: 'jobs/*', wake_stream: 'wakes' }),
      });
      expect(created.status).toBe(201);
      expect(log.hasWaiters).toBe(true);
      await post(instance.url('jobs/one'), 'application/json', '{"n":2}');
      await vi.waitFor(async () => {
        const events = (await (await fetch(instance.url('wakes'))).json()) as unknown[];
        expect(events).toEqual([expect.objectContaining({ type: 'wake', stream: 'jobs/one' })]);
      });

      expect((await fetch(subscription, { method: 'DELETE' })).status).toBe(204);
      expect(log.hasWaiters).toBe(false);
    } finally {
      await instance.close();
    }
  });
});
