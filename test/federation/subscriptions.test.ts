// What a peer's handshake subscriptions cost a hub: bounded in number, nothing on disk or in inotify
// for channels that do not exist, and delivery once one is created. A real hub over mutual TLS on
// 127.0.0.1, played against with raw `ws`.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForAudit } from '../support/audit.js';
import { makePki, startNode, type NodeOptions, type TestNode, type TestPki } from '../support/cluster.js';
import { unframe } from '../support/raw-frames.js';
import { dialRawPeer, type RawPeer } from '../support/raw-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'b']);
});

const nodes: TestNode[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => undefined);
});

async function hub(options: NodeOptions['hub'] = {}): Promise<TestNode> {
  const n = await startNode({ name: 'hub1', pki, hub: options });
  nodes.push(n);
  return n;
}

/** Connects as `a` and sends a handshake subscribing to `channels`. */
async function subscribe(h: TestNode, channels: readonly string[]): Promise<RawPeer> {
  const peer = await dialRawPeer(h.hubAddr, pki, 'a');
  peers.push(peer);
  peer.ws.send(JSON.stringify({ instance_name: 'a', role: 'client', version: '1', subscribe: channels }));
  return peer;
}

/** Entries of a data-dir folder (empty when it does not exist). */
function entries(h: TestNode, folder: string): string[] {
  const dir = path.join(h.dataDir, folder);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** The inotify watches this process holds (every inotify descriptor's `inotify wd:` lines). */
function inotifyWatches(): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    try {
      count += fs
        .readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return count;
}

const names = (count: number, prefix: string): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('handshake subscriptions', () => {
  it('creates no folder, cursor file or watch for subscribed channels that do not exist, and sends one once created', async () => {
    const h = await hub();
    await h.messenger.publish('exists', 'T', 0);
    const watchesBefore = inotifyWatches();
    const peer = await subscribe(h, [...names(1000, 'nothing'), 'exists']);
    expect((await peer.next()).binary).toBe(false); // the hub's handshake: the session is up
    await vi.waitFor(() => {
      expect(entries(h, 'subscribers/exists')).toContain('fed-a.offset');
    });
    expect(entries(h, 'channels')).toEqual(['exists']);
    // One small file lists what the peer waits for, instead of a folder and a cursor file per name.
    expect(entries(h, 'subscribers')).toEqual(['exists', 'fed-a.waiting']);
    expect(inotifyWatches()).toBe(watchesBefore);

    const { id } = await h.messenger.publish('nothing-500', 'T', { late: true });
    const data = await peer.next();
    expect(data.binary).toBe(true);
    expect(unframe(data.data).map((r) => JSON.parse(r) as { id: string; channel: string })).toMatchObject([
      { id, channel: 'nothing-500' },
    ]);
    peer.ws.send(JSON.stringify({ last_id: id }));
    expect(entries(h, 'channels')).toEqual(['exists', 'nothing-500']);
    await vi.waitFor(() => {
      expect(entries(h, 'subscribers/nothing-500')).toEqual(['fed-a.offset']);
    });
  });

  it('sends a channel created while the peer was away from its first record when it comes back', async () => {
    const h = await hub();
    const first = await subscribe(h, ['later', 'never']);
    await first.next();
    first.ws.close();
    await first.closed;
    await vi.waitFor(() => {
      expect(h.messenger.stats().federation?.hub?.peers).toEqual([]);
    });
    const ids = [
      (await h.messenger.publish('later', 'T', 1)).id,
      (await h.messenger.publish('later', 'T', 2)).id,
    ];

    const again = await subscribe(h, ['later', 'never']);
    await again.next();
    const received = unframe((await again.next()).data).map((r) => (JSON.parse(r) as { id: string }).id);
    expect(received).toEqual(ids);
    expect(fs.readFileSync(path.join(h.dataDir, 'subscribers', 'fed-a.waiting'), 'utf8')).toBe('["never"]\n');
  });

  it('keeps a durable peer’s waiting list when an ephemeral session of the same identity comes and goes', async () => {
    const h = await hub();
    const durable = await subscribe(h, ['later']);
    await durable.next();
    durable.ws.close();
    await durable.closed;
    const list = path.join(h.dataDir, 'subscribers', 'fed-a.waiting');
    expect(fs.readFileSync(list, 'utf8')).toBe('["later"]\n');
    const peer = await dialRawPeer(h.hubAddr, pki, 'a');
    peers.push(peer);
    peer.ws.send(
      JSON.stringify({
        instance_name: 'a',
        role: 'client',
        version: '1',
        subscribe: ['other'],
        ephemeral: true,
      }),
    );
    expect((await peer.next()).binary).toBe(false);
    expect(fs.readFileSync(list, 'utf8')).toBe('["later"]\n');
  });

  it('relays to a waiting peer a channel first created by another peer’s records', async () => {
    const h = await hub();
    const peer = await subscribe(h, ['relay']);
    await peer.next();
    const b = await startNode({ name: 'b', pki, hubs: [{ addr: h.hubAddr, publish: ['relay'] }] });
    nodes.push(b);
    const { id } = await b.messenger.publish('relay', 'T', 'via hub1');
    const records = unframe((await peer.next()).data).map(
      (r) => JSON.parse(r) as { id: string; route: string[] },
    );
    expect(records).toMatchObject([{ id, route: ['hub1'] }]);
  });

  it('sweeps the waiting list of a peer gone for longer than the TTL', async () => {
    const n = await startNode({
      name: 'hub1',
      pki,
      hub: { fedClientOffsetTtlMs: 30_000 },
      ttlSweepIntervalMs: 25,
    });
    nodes.push(n);
    const stale = path.join(n.dataDir, 'subscribers', 'fed-gone.waiting');
    fs.writeFileSync(stale, '["x"]\n');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(stale, past, past);
    await vi.waitFor(() => {
      expect(fs.existsSync(stale)).toBe(false);
    });
  });

  it('releases the watches of existing channels when the peer leaves', async () => {
    const h = await hub();
    const channels = names(50, 'old');
    for (const channel of channels) await h.messenger.publish(channel, 'T', 0);
    await h.stop();
    await h.restart(); // no local writer now: a waiting sender needs a watch per channel
    const watchesBefore = inotifyWatches();
    const peer = await subscribe(h, channels);
    await peer.next();
    await vi.waitFor(() => {
      expect(inotifyWatches()).toBe(watchesBefore + 50);
    });
    peer.ws.close();
    await peer.closed;
    await vi.waitFor(() => {
      expect(inotifyWatches()).toBe(watchesBefore);
    });
  });

  it('refuses a handshake over max_subscriptions_per_peer with 4429, audits it and creates nothing', async () => {
    const h = await hub({ maxSubscriptionsPerPeer: 10 });
    const peer = await subscribe(h, names(11, 'too-many'));
    expect(await peer.closed).toEqual({
      code: 4429,
      reason: 'too many subscriptions: 11 requested, at most 10',
    });
    await waitForAudit(h.dataDir, {
      event: 'client_rejected',
      peer: 'a',
      detail: 'too many subscriptions: 11 requested, at most 10',
    });
    expect(entries(h, 'channels')).toEqual([]);
    expect(h.messenger.stats().federation?.hub?.peers).toEqual([]);

    const within = await subscribe(h, names(10, 'enough'));
    expect((await within.next()).binary).toBe(false);
  });
});
