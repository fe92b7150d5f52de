import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { EphemeralMessenger, ErrorCode, hasErrorCode, type EphemeralStatus } from '../../src/index.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { FakeClock } from '../support/fake-clock.js';
import { collector } from '../support/messages.js';
import { client, startHub, waitForState } from './support.js';

let pki: TestPki;
let foreign: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'eph', 'stranger']);
  foreign = await makePki(['eph']);
});

/** A 127.0.0.1 port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return `127.0.0.1:${port}`;
}

/** Every status of `em` from now on, collected in the background. */
function recordStatuses(em: EphemeralMessenger): EphemeralStatus[] {
  const statuses: EphemeralStatus[] = [];
  void (async () => {
    for await (const s of em.status()) statuses.push(s);
  })();
  return statuses;
}

describe('EphemeralMessenger connection handling', () => {
  it('reconnects after a hub restart and delivers the publishes queued meanwhile', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub, { autoReconnect: true });
    const statuses = recordStatuses(em);
    await em.connect();
    await hub.stop();
    await waitForState(em, 'reconnecting');
    const queued = [1, 2, 3].map((n) => em.publish('queued', 'T', n));
    expect(em.stats().queued).toBe(3);
    await hub.restart();
    const receipts = await Promise.all(queued);
    const got = collector();
    await hub.messenger.subscribe('queued', 'sub', got.handler, { from: 'beginning' });
    await got.waitFor(3);
    expect(got.messages.map((m) => m.id)).toEqual(receipts.map((r) => r.id));
    expect(em.stats().connects).toBe(2);
    const states = statuses.map((s) => s.state);
    expect(states.slice(0, 4)).toEqual(['idle', 'connecting', 'connected', 'disconnected']);
    // The hub closing the link is a lost connection in the error family, not a plain Error.
    expect(hasErrorCode(statuses[3]?.error, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
    expect(states).toContain('reconnecting');
    expect(states.at(-1)).toBe('connected');
  });

  it('without autoReconnect a drop is final until connect(): later publishes fail with ERR_EPHEMERAL_CONN_LOST', async () => {
    const hub = await startHub(pki);
    const em = client(pki, 'eph', hub);
    await em.connect();
    await hub.stop();
    await waitForState(em, 'disconnected');
    const err = await em.publish('x', 'T', 1).catch((e: unknown) => e as Error);
    expect(hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
    expect((err as Error).message).toContain('not connected');
    await hub.restart();
    await em.connect();
    await em.publish('x', 'T', 2);
    expect(hub.messenger.stats().channels['x']?.messages).toBe(1);
  });

  it('stops for good when the hub refuses the client (4403 not in allowlist) and says why', async () => {
    const hub = await startHub(pki, { hub: { allowedPeers: [{ name: 'eph' }] } });
    const clock = new FakeClock();
    const em = client(pki, 'stranger', hub, { autoReconnect: true }, { clock });
    const statuses = recordStatuses(em);
    const err = await em.connect().catch((e: unknown) => e as Error);
    expect(hasErrorCode(err, ErrorCode.EPHEMERAL_REJECTED)).toBe(true);
    expect((err as Error).message).toMatch(/not in allowlist \(close code 4403\)/);
    expect(em.state).toBe('rejected');
    expect(clock.pendingTimeouts).toBe(0);
    expect(statuses.map((s) => s.state)).toEqual(['idle', 'connecting', 'rejected']);
    expect(statuses.at(-1)?.error).toBe(err);
    const publishErr = await em.publish('x', 'T', 1).catch((e: unknown) => e as Error);
    expect(hasErrorCode(publishErr, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
    expect(hasErrorCode(publishErr, ErrorCode.EPHEMERAL_REJECTED)).toBe(true);
  });

  it('stops when the hub drops every dial right after the TLS handshake (a client certificate from a foreign CA), and says why', async () => {
    const hub = await startHub(pki);
    const pair = foreign.pairs.get('eph')!;
    const em = new EphemeralMessenger({
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
      autoReconnect: true,
      reconnectBaseMs: 5,
      reconnectMaxMs: 20,
    });
    try {
      const statuses = recordStatuses(em);
      const err = await em.connect().catch((e: unknown) => e as Error);
      expect(hasErrorCode(err, ErrorCode.EPHEMERAL_REJECTED)).toBe(true);
      expect((err as Error).message).toContain('does not trust this client certificate');
      expect(statuses.filter((s) => s.state === 'connecting')).toHaveLength(3);
      expect(statuses.at(-1)).toMatchObject({ state: 'rejected', error: err });
    } finally {
      await em.close();
    }
    const once = new EphemeralMessenger({
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
    });
    try {
      const err = await once.connect().catch((e: unknown) => e as Error);
      expect(hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
      expect((err as Error).message).toContain('it most likely does not trust this client certificate');
    } finally {
      await once.close();
    }
  });

  it('refuses at once a hub whose certificate does not verify against the configured CA', async () => {
    const hub = await startHub(pki);
    const pair = pki.pairs.get('eph')!;
    const em = new EphemeralMessenger({
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: foreign.ca },
      autoReconnect: true,
    });
    try {
      const err = await em.connect().catch((e: unknown) => e as Error);
      expect(hasErrorCode(err, ErrorCode.EPHEMERAL_REJECTED)).toBe(true);
      expect((err as Error).message).toContain(
        "the hub's certificate does not verify against the configured CA",
      );
    } finally {
      await em.close();
    }
  });

  it('fails a single dial with ERR_EPHEMERAL_CONN_LOST when nothing listens (no autoReconnect)', async () => {
    const em = new EphemeralMessenger({ hubAddr: await closedPort(), instanceName: 'eph' });
    try {
      const err = await em.connect().catch((e: unknown) => e as Error);
      expect(hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
      expect((err as Error).message).toMatch(/cannot connect to hub .*ECONNREFUSED/);
      expect(em.state).toBe('disconnected');
    } finally {
      await em.close();
    }
  });

  it('keeps dialling with autoReconnect until the connect signal aborts', async () => {
    const clock = new FakeClock();
    const em = new EphemeralMessenger(
      { hubAddr: await closedPort(), instanceName: 'eph', autoReconnect: true },
      { clock, random: () => 0.5 },
    );
    try {
      const statuses = recordStatuses(em);
      const controller = new AbortController();
      const connecting = em.connect({ signal: controller.signal });
      await waitForState(em, 'reconnecting');
      await clock.advance(500);
      await waitForState(em, 'reconnecting');
      controller.abort(new Error('gave up'));
      await expect(connecting).rejects.toThrow('gave up');
      expect(em.state).toBe('disconnected');
      expect(statuses.filter((s) => s.state === 'reconnecting').map((s) => s.delayMs)).toEqual([500, 1000]);
    } finally {
      await em.close();
    }
  });
});
