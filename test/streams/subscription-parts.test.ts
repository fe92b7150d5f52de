// The parts of the subscription manager that do I/O, each on its own: the subscriptions file and
// webhook delivery (a real HTTP server on 127.0.0.1, retries timed by a fake clock).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionStore, type StoredSubscription } from '../../internal/streams/subscriptions/store.js';
import { WebhookDelivery, type WebhookWake } from '../../internal/streams/subscriptions/webhook-delivery.js';
import { WebhookSigner } from '../../internal/streams/subscriptions/webhook-security.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

const VALID: StoredSubscription = {
  id: 's1',
  config: { type: 'pull-wake', streams: ['jobs/a'], leaseTtlMs: 30_000, wakeStream: 'wake' },
  createdAt: '2026-01-01T00:00:00.000Z',
  controlBase: 'http://127.0.0.1/v1/stream/__ds',
  generation: 3,
  links: [{ path: 'jobs/a', types: ['explicit'], acked: '0000000000000000' }],
};

describe('SubscriptionStore', () => {
  it('loads the valid entries and names the entry and field of each invalid one', async () => {
    const dir = tempDir();
    const log = new MemoryLogger();
    const store = new SubscriptionStore(dir, log);
    fs.writeFileSync(
      path.join(dir, 'subscriptions.json'),
      JSON.stringify([
        VALID,
        { ...VALID, id: 's2', generation: -1 },
        { ...VALID, id: 's3', config: { ...VALID.config, wakeStream: undefined } },
        { ...VALID, id: 's4', links: [{ path: 'x', types: ['pattern'], acked: '0' }] },
      ]),
    );
    expect(await store.load()).toEqual([VALID]);
    expect(log.find('skipping an invalid subscription').map((e) => e.fields)).toMatchObject([
      { entry: 1, reason: 'generation is not a non-negative integer' },
      { entry: 2, reason: 'config: a pull-wake subscription has no wakeStream' },
      { entry: 3, reason: 'links[0] is not { path, types: ("explicit" | "glob")[], acked }' },
    ]);
  });

  it('starts empty without a file, and with an error for a file that is not an array', async () => {
    const dir = tempDir();
    const log = new MemoryLogger();
    const store = new SubscriptionStore(dir, log);
    expect(await store.load()).toEqual([]);
    expect(log.entries).toEqual([]);
    fs.writeFileSync(store.file, '{"id":"s1"}');
    expect(await store.load()).toEqual([]);
    expect(log.find('subscriptions file unreadable')[0]?.fields).toMatchObject({
      reason: 'not a JSON array',
    });
  });

  it('coalesces a burst of saves and writes the latest state', async () => {
    const store = new SubscriptionStore(tempDir(), new MemoryLogger());
    let snapshots = 0;
    for (let generation = 0; generation < 5; generation++) {
      store.save(() => {
        snapshots++;
        return [{ ...VALID, generation }];
      });
    }
    await store.settled();
    expect(snapshots).toBe(2);
    expect(await store.load()).toEqual([{ ...VALID, generation: 4 }]);
  });
});

describe('WebhookDelivery', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    const open = server;
    server = undefined;
    if (open !== undefined) await new Promise((resolve) => open.close(resolve));
  });

  it('retries a failed POST by the one backoff schedule while the wake is current, then reports the answer', async () => {
    const statuses = [500, 503, 200];
    const received: { body: string; signature: string | undefined }[] = [];
    let onRequest: () => void = () => undefined;
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ body, signature: req.headers['webhook-signature'] as string | undefined });
        res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' });
        res.end('{"done":true}');
        onRequest();
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const clock = new FakeClock();
    const log = new MemoryLogger();
    const delivery = new WebhookDelivery({
      url: `http://127.0.0.1:${port}/hook`,
      subscription: 's1',
      signer: await WebhookSigner.load(path.join(tempDir(), 'key.pem')),
      clock,
      logger: log,
      fetch,
      random: () => 1, // the top of the ±20 % spread
    });
    let wake: WebhookWake | undefined = { wakeId: 'w_1', body: '{"n":1}' };
    const answers: [string, boolean][] = [];
    const requests = (n: number): Promise<void> =>
      new Promise((resolve) => {
        onRequest = () => {
          if (received.length >= n) resolve();
        };
      });

    await delivery.deliver(
      () => wake,
      (wakeId, done) => answers.push([wakeId, done]),
    );
    expect(received).toHaveLength(1);
    expect(received[0]?.signature).toMatch(/^t=\d+,/);
    expect(delivery.status).toBe('failed');
    // First retry after 1 s + 20 %: not a moment earlier.
    await clock.advance(1_199);
    expect(received).toHaveLength(1);
    let next = requests(2);
    await clock.advance(1);
    await next;
    await expect.poll(() => clock.pendingTimeouts).toBe(1);
    // Second retry after 2 s + 20 %.
    await clock.advance(2_399);
    expect(received).toHaveLength(2);
    next = requests(3);
    await clock.advance(1);
    await next;
    await expect.poll(() => answers).toEqual([['w_1', true]]);
    expect(delivery.status).toBe('active');
    expect(log.find('webhook delivery failed; retrying')).toHaveLength(2);

    // A wake that is no longer current is not retried.
    statuses.push(500);
    wake = { wakeId: 'w_2', body: '{"n":2}' };
    const failing = delivery.deliver(
      () => wake,
      () => undefined,
    );
    wake = undefined;
    await failing;
    expect(clock.pendingTimeouts).toBe(0);
  });
});
