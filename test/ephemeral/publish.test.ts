import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode, withCorrelationId } from '../../src/index.js';
import { waitForAudit } from '../support/audit.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { client, startHub } from './support.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'eph']);
});

/** Expects `promise` to reject with an error carrying `code`; returns the error. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(
    () => {
      throw new Error(`expected a rejection with ${code}`);
    },
    (e: unknown) => e as Error,
  );
  expect(hasErrorCode(err, code), `${code}: ${err.message}`).toBe(true);
  return err;
}

describe('EphemeralMessenger.publish', () => {
  it('resolves once the hub stored the message, stamped with the client identity and context', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    await em.connect();
    const got = collector();
    await hub.messenger.subscribe('inbox', 'sub', got.handler);
    const receipt = await withCorrelationId('corr-1', () =>
      em.publish('inbox', 'Order', { n: 1 }, { serviceName: 'billing' }),
    );
    expect(hub.messenger.stats().channels['inbox']?.messages).toBe(1);
    await got.waitFor(1);
    expect(got.messages[0]).toMatchObject({
      id: receipt.id,
      channel: 'inbox',
      origin: 'eph',
      payloadType: 'Order',
      correlationId: 'corr-1',
      serviceName: 'billing',
      payload: { n: 1 },
      route: ['hub1'],
    });
    expect(em.instanceName).toBe('eph');
    expect(em.stats()).toMatchObject({ state: 'connected', hub: 'hub1', messagesAcked: 1, framesSent: 1 });
  });

  it('packs concurrent publishes into shared frames within maxBatchBytes, in order', async () => {
    const hub = await startHub(pki);
    const maxBatchBytes = 4096;
    const em = client(pki, 'eph', hub, { maxBatchBytes });
    await em.connect();
    const receipts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => em.publish('bulk', 'T', { i, pad: 'x'.repeat(100) })),
    );
    const { framesSent, messagesSent, messagesAcked } = em.stats();
    expect({ messagesSent, messagesAcked }).toEqual({ messagesSent: 100, messagesAcked: 100 });
    expect(framesSent).toBeLessThan(100);
    const log = fs
      .readdirSync(path.join(hub.dataDir, 'channels', 'bulk'))
      .map((f) => fs.readFileSync(path.join(hub.dataDir, 'channels', 'bulk', f), 'utf8'))
      .join('');
    const lines = log.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(receipts.map((r) => r.id));
    // Each record is about 300 bytes on the wire: frames of at most 4096 bytes hold at most 13.
    const wireBytes = lines.reduce(
      (sum, l) => sum + 4 + Buffer.byteLength(l) - ',"route":["hub1"]'.length,
      0,
    );
    expect(framesSent).toBeGreaterThanOrEqual(Math.ceil(wireBytes / maxBatchBytes));
  });

  it('rejects a message the hub refuses by policy with ERR_POLICY; the rest of its batch succeeds', async () => {
    const hub = await startHub(pki, { hub: { allowedPeers: [{ name: 'eph', publish: ['ok'] }] } });
    const em = client(pki, 'eph', hub);
    await em.connect();
    const [first, refused, last] = await Promise.allSettled([
      em.publish('ok', 'T', 1),
      em.publish('secret', 'T', 2),
      em.publish('ok', 'T', 3),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(last.status).toBe('fulfilled');
    expect(refused.status).toBe('rejected');
    const err = (refused as PromiseRejectedResult).reason as Error;
    expect(hasErrorCode(err, ErrorCode.POLICY)).toBe(true);
    expect(err.message).toMatch(/refused message \S+ on channel "secret" by policy/);
    expect(em.stats()).toMatchObject({ messagesAcked: 2, messagesRefused: 1 });
    expect(hub.messenger.stats().channels['secret']).toBeUndefined();
    await waitForAudit(hub.dataDir, { event: 'policy_violation', channel: 'secret', peer: 'eph' });
  });

  it('rejects invalid and reserved channel names, unserialisable payloads and oversized records', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub, { maxBatchBytes: 2048 });
    await em.connect();
    await rejectsWith(em.publish('bad/name', 'T', 1), ErrorCode.INVALID_CHANNEL_NAME);
    await rejectsWith(em.publish('', 'T', 1), ErrorCode.INVALID_CHANNEL_NAME);
    await rejectsWith(em.publish('orders.dead-letter', 'T', 1), ErrorCode.RESERVED_CHANNEL_NAME);
    await rejectsWith(em.publish('ok', 'T', { n: 1n }), ErrorCode.INVALID_ARGUMENT);
    const tooLarge = await rejectsWith(em.publish('ok', 'T', 'x'.repeat(3000)), ErrorCode.RECORD_TOO_LARGE);
    expect(tooLarge.message).toContain('maxBatchBytes (2048)');
    expect(em.stats().messagesSent).toBe(0);
  });

  it('rejects publishes before connect() with ERR_EPHEMERAL_CONN_LOST', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const err = await rejectsWith(em.publish('ok', 'T', 1), ErrorCode.EPHEMERAL_CONN_LOST);
    expect(err.message).toContain('call connect() first');
  });

  it('queues publishes made while connecting and sends them once connected', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const connecting = em.connect();
    const published = em.publish('early', 'T', 'queued');
    expect(em.stats().queued).toBe(1);
    await connecting;
    await published;
    expect(hub.messenger.stats().channels['early']?.messages).toBe(1);
  });

  it('withdraws a queued publish whose signal aborts; nothing is stored', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const connecting = em.connect();
    const controller = new AbortController();
    const withdrawn = em.publish('abort', 'T', 'never', { signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    await expect(withdrawn).rejects.toThrow('changed my mind');
    await expect(
      em.publish('abort', 'T', 'x', { signal: AbortSignal.abort(new Error('already')) }),
    ).rejects.toThrow('already');
    await connecting;
    await em.publish('abort', 'T', 'kept');
    const got = collector();
    await hub.messenger.subscribe('abort', 'sub', got.handler, { from: 'beginning' });
    await got.waitFor(1);
    expect(got.messages.map((m) => m.payload)).toEqual(['kept']);
    expect(em.stats().messagesSent).toBe(1);
  });

  it('close() rejects pending publishes with ERR_EPHEMERAL_CLOSED, is idempotent, and fails later calls', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    const connecting = em.connect();
    const pending = rejectsWith(em.publish('closing', 'T', 1), ErrorCode.EPHEMERAL_CLOSED);
    const connectFailure = rejectsWith(connecting, ErrorCode.EPHEMERAL_CLOSED);
    await Promise.all([em.close(), em.close()]);
    await pending;
    await connectFailure;
    await rejectsWith(em.publish('closing', 'T', 2), ErrorCode.EPHEMERAL_CLOSED);
    await rejectsWith(em.connect(), ErrorCode.EPHEMERAL_CLOSED);
    expect(() => em.subscribe('closing', () => undefined)).toThrow(/closed/);
    await em.close();
    expect(em.state).toBe('closed');
    expect(hub.messenger.stats().channels['closing']).toBeUndefined();
  });
});
