/**
 * The first EphemeralMessenger of a process loads federation on its first connect, publish or close:
 * calls made meanwhile keep their order and meaning (DESIGN.md §12.1).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { makePki, type TestPki } from '../support/cluster.js';
import { startHub } from './support.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'eph']);
});

/**
 * The package's face from a fresh module graph: federation is not loaded for its EphemeralMessenger
 * yet (and its errors are the ones that class throws).
 */
async function freshPackage(): Promise<typeof import('../../src/index.js')> {
  vi.resetModules();
  return import('../../src/index.js');
}

describe('EphemeralMessenger while federation loads', () => {
  it('queues publishes made during the first connect (counted as queued) and withdraws an aborted one', async () => {
    const { EphemeralMessenger } = await freshPackage();
    const hub = await startHub(pki);
    const pair = pki.pairs.get('eph')!;
    const em = new EphemeralMessenger({
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
    });
    try {
      expect(em.stats()).toMatchObject({ state: 'idle', queued: 0, connects: 0 });
      const connecting = em.connect();
      const kept = em.publish('early', 'T', 'kept');
      const controller = new AbortController();
      const withdrawn = em.publish('early', 'T', 'never', { signal: controller.signal });
      expect(em.stats().queued).toBe(2);
      controller.abort(new Error('changed my mind'));
      await expect(withdrawn).rejects.toThrow('changed my mind');
      await connecting;
      await kept;
      expect(em.stats()).toMatchObject({ state: 'connected', messagesSent: 1, messagesAcked: 1, queued: 0 });
      expect(hub.messenger.stats().channels['early']?.messages).toBe(1);
    } finally {
      await em.close();
    }
  });

  it('rejects a publish before connect(), and connect() after close(), as a built client does', async () => {
    const { EphemeralMessenger, ErrorCode, hasErrorCode } = await freshPackage();
    const em = new EphemeralMessenger({ hubAddr: '127.0.0.1:1', instanceName: 'eph' });
    const early = await em.publish('ok', 'T', 1).then(
      () => new Error('published before connect()'),
      (err: unknown) => err as Error,
    );
    expect(hasErrorCode(early, ErrorCode.EPHEMERAL_CONN_LOST), early.message).toBe(true);
    expect(early.message).toContain('call connect() first');
    const states = em.status();
    await em.close();
    const seen: string[] = [];
    for await (const status of states) seen.push(status.state);
    expect(seen).toEqual(['idle', 'closed']);
    const late = await em.connect().then(
      () => new Error('connected after close()'),
      (err: unknown) => err as Error,
    );
    expect(hasErrorCode(late, ErrorCode.EPHEMERAL_CLOSED), late.message).toBe(true);
    expect(em.state).toBe('closed');
  });
});
