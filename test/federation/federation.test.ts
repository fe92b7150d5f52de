import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { internalsOf } from '../../src/wiring/index.js';
import { waitForAudit } from '../support/audit.js';
import {
  connected,
  makePki,
  nodesStoppedAfterEach,
  type TestNode,
  type TestPki,
} from '../support/cluster.js';
import { collector } from '../support/messages.js';

const node = nodesStoppedAfterEach();

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'hub2', 'a', 'b']);
});

/** The cursor files of `channel` (not the `.tmp` file of a flush under way). */
function offsetFiles(n: TestNode, channel: string): string[] {
  const dir = path.join(n.dataDir, 'subscribers', channel);
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.offset'))
        .sort()
    : [];
}

describe('federation over mutual TLS', () => {
  it('forwards client → hub → client, with the route of every instance that stored it', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['alerts'] }] });
    const b = await node({ name: 'b', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['alerts'] }] });
    await connected(a);
    await connected(b);
    const atHub = collector();
    const atB = collector<{ n: number }>();
    await hub.messenger.subscribe('alerts', 'hub-sub', atHub.handler);
    await b.messenger.subscribe('alerts', 'b-sub', atB.handler);
    const receipt = await a.messenger.publish('alerts', 'Alert', { n: 1 });
    await atB.waitFor(1);
    await atHub.waitFor(1);
    expect(atB.messages[0]).toMatchObject({
      id: receipt.id,
      origin: 'a',
      payload: { n: 1 },
      route: ['hub1', 'b'],
    });
    expect(atHub.messages[0]?.route).toEqual(['hub1']);
    expect(a.messenger.stats().federation?.clients).toEqual([
      { addr: hub.hubAddr, state: 'connected', hub: 'hub1', connects: 1 },
    ]);
    expect(hub.messenger.stats().federation?.hub).toEqual({
      address: hub.hubAddr,
      peers: expect.arrayContaining(['a', 'b']) as string[],
    });
    await waitForAudit(hub.dataDir, {
      event: 'forward',
      direction: 'inbound',
      peer: 'a',
      message_id: receipt.id,
    });
    await waitForAudit(hub.dataDir, { event: 'client_connected', peer: 'b' });
    expect(offsetFiles(hub, 'alerts')).toEqual(['fed-b.offset', 'hub-sub.offset']);
    expect(offsetFiles(a, 'alerts')).toEqual([`fedout-${hub.hubAddr.replace(':', '_')}.offset`]);
  });

  it('sends a peer only what it asked for and its allowlist entry allows', async () => {
    const hub = await node({
      name: 'hub1',
      pki,
      hub: { allowedPeers: [{ name: 'b', subscribe: ['alerts'] }] },
    });
    const b = await node({ name: 'b', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['alerts', 'metrics'] }] });
    await connected(b);
    const got = collector();
    await b.messenger.subscribe('alerts', 's', got.handler);
    await b.messenger.subscribe('metrics', 's', got.handler);
    await hub.messenger.publish('metrics', 'M', 1);
    await hub.messenger.publish('alerts', 'A', 2);
    await got.waitFor(1);
    await hub.messenger.publish('alerts', 'A', 3);
    await got.waitFor(2);
    expect(got.messages.map((m) => [m.channel, m.payload])).toEqual([
      ['alerts', 2],
      ['alerts', 3],
    ]);
    expect(offsetFiles(hub, 'metrics')).toEqual([]);
  });

  it('drops, audits and still acknowledges what a peer may not publish', async () => {
    const hub = await node({
      name: 'hub1',
      pki,
      hub: { allowedPeers: [{ name: 'a', publish: ['alerts'] }] },
    });
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['alerts', 'secrets'] }] });
    await connected(a);
    const got = collector();
    await hub.messenger.subscribe('alerts', 's', got.handler);
    const refused = await a.messenger.publish('secrets', 'S', 'x');
    await a.messenger.publish('alerts', 'A', 'ok');
    await got.waitFor(1);
    await waitForAudit(hub.dataDir, {
      event: 'policy_violation',
      message_id: refused.id,
      channel: 'secrets',
      peer: 'a',
    });
    expect(fs.existsSync(path.join(hub.dataDir, 'channels', 'secrets'))).toBe(false);
    await vi.waitFor(() => {
      expect(a.messenger.stats().channels['secrets']?.endOffset).toBeGreaterThan(0);
    });
    const fedout = offsetFiles(a, 'secrets')[0]!;
    await vi.waitFor(() => {
      const stored = Number(fs.readFileSync(path.join(a.dataDir, 'subscribers', 'secrets', fedout), 'utf8'));
      expect(stored).toBe(a.messenger.stats().channels['secrets']?.endOffset);
    });
  });

  it('delivers backlogs in both directions after a reconnect, without a fresh publish', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const a = await node({
      name: 'a',
      pki,
      hubs: [{ addr: hub.hubAddr, publish: ['up'], subscribe: ['down'] }],
    });
    await connected(a);
    const down = collector<number>();
    await a.messenger.subscribe('down', 's', down.handler);
    await hub.messenger.publish('down', 'N', 0);
    await down.waitFor(1);
    await hub.stop();
    for (let i = 1; i <= 3; i++) await a.messenger.publish('up', 'N', i);
    await hub.restart();
    for (let i = 1; i <= 3; i++) await hub.messenger.publish('down', 'N', i);
    const up = collector<number>();
    await hub.messenger.subscribe('up', 's', up.handler, { from: 'beginning' });
    await up.waitFor(3);
    await down.waitFor(4);
    expect(up.messages.map((m) => m.payload)).toEqual([1, 2, 3]);
    expect(down.messages.map((m) => m.payload)).toEqual([0, 1, 2, 3]);
  });

  it('loses nothing when the hub restarts in the middle of a stream', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {}, syncPolicy: 'always' });
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['stream'] }] });
    await connected(a);
    const publishing = (async () => {
      for (let i = 0; i < 600; i++) await a.messenger.publish('stream', 'N', i);
    })();
    await vi.waitFor(() => {
      expect(hub.messenger.stats().channels['stream']?.messages ?? 0).toBeGreaterThan(100);
    });
    await hub.stop();
    await hub.restart();
    await publishing;
    const got = collector<number>();
    await hub.messenger.subscribe('stream', 's', got.handler, { from: 'beginning' });
    await vi.waitFor(
      () => {
        expect(new Set(got.messages.map((m) => m.payload)).size).toBe(600);
      },
      { timeout: 15_000 },
    );
    const payloads = got.messages.map((m) => m.payload);
    expect([...new Set(payloads)]).toEqual([...Array(600).keys()]);
  });

  it('relays a chain A → H1 → H2 → B', async () => {
    const h2 = await node({ name: 'hub2', pki, hub: {} });
    const h1 = await node({ name: 'hub1', pki, hub: {}, hubs: [{ addr: h2.hubAddr, publish: ['news'] }] });
    const a = await node({ name: 'a', pki, hubs: [{ addr: h1.hubAddr, publish: ['news'] }] });
    const b = await node({ name: 'b', pki, hubs: [{ addr: h2.hubAddr, subscribe: ['news'] }] });
    await Promise.all([connected(h1), connected(a), connected(b)]);
    const got = collector();
    await b.messenger.subscribe('news', 's', got.handler);
    await a.messenger.publish('news', 'N', 'hello');
    await got.waitFor(1);
    expect(got.messages[0]).toMatchObject({ origin: 'a', payload: 'hello', route: ['hub1', 'hub2', 'b'] });
  });

  it('does not echo around a ring H1 ⇄ H2', async () => {
    const h1 = await node({ name: 'hub1', pki, hub: {} });
    const h2 = await node({
      name: 'hub2',
      pki,
      hub: {},
      hubs: [{ addr: h1.hubAddr, publish: ['ring'], subscribe: ['ring'] }],
    });
    await connected(h2);
    const at1 = collector();
    const at2 = collector();
    await h1.messenger.subscribe('ring', 's', at1.handler);
    await h2.messenger.subscribe('ring', 's', at2.handler);
    await h1.messenger.publish('ring', 'N', 'from-1');
    await h2.messenger.publish('ring', 'N', 'from-2');
    await at1.waitFor(2);
    await at2.waitFor(2);
    await h1.messenger.publish('ring', 'N', 'marker');
    await at2.waitFor(3);
    await at1.waitFor(3);
    expect(at1.messages.map((m) => m.payload).sort()).toEqual(['from-1', 'from-2', 'marker']);
    expect(at2.messages.map((m) => m.payload).sort()).toEqual(['from-1', 'from-2', 'marker']);
    expect(h1.messenger.stats().channels['ring']?.messages).toBe(3);
  });

  it('skips a record larger than max_batch_bytes without wedging the link', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const a = await node({
      name: 'a',
      pki,
      hubs: [{ addr: hub.hubAddr, publish: ['big'] }],
      maxBatchBytes: 4096,
    });
    await connected(a);
    const got = collector<string>();
    await hub.messenger.subscribe('big', 's', got.handler);
    await a.messenger.publish('big', 'T', 'x'.repeat(10_000));
    await a.messenger.publish('big', 'T', 'small');
    await got.waitFor(1);
    expect(got.messages.map((m) => m.payload)).toEqual(['small']);
    await waitForAudit(a.dataDir, { event: 'oversized_dropped', direction: 'outbound', channel: 'big' });
  });

  it('replaces the older of two connections with the same identity', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    await hub.messenger.publish('x', 'T', 0); // x exists: each connection resumes from one cursor file
    const first = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['x'] }] });
    await connected(first);
    const second = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['x'] }] });
    await connected(second);
    const fed = internalsOf(hub.messenger).federation()!;
    await vi.waitFor(() => {
      expect(fed.hub!.connectedPeers()).toEqual(['a']);
    });
    const got = collector();
    await second.messenger.subscribe('x', 's', got.handler);
    await hub.messenger.publish('x', 'T', 1);
    await got.waitFor(1);
  });

  it('sweeps federation cursors idle past the TTL, but not those of connected peers', async () => {
    const hub = await node({
      name: 'hub1',
      pki,
      hub: { fedClientOffsetTtlMs: 30_000 },
      ttlSweepIntervalMs: 25,
    });
    const stale = path.join(hub.dataDir, 'subscribers', 'alerts', 'fed-gone.offset');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(stale, '0\n');
    await hub.messenger.publish('alerts', 'T', 0); // a channel that exists gets a cursor file at once
    const b = await node({ name: 'b', pki, hubs: [{ addr: hub.hubAddr, subscribe: ['alerts'] }] });
    await connected(b);
    const live = path.join(hub.dataDir, 'subscribers', 'alerts', 'fed-b.offset');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(stale, past, past);
    fs.utimesSync(live, past, past);
    await vi.waitFor(() => {
      expect(fs.existsSync(stale)).toBe(false);
    });
    expect(fs.existsSync(live)).toBe(true);
  });
});
