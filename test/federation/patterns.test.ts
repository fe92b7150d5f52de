// Channel patterns in federation policies (`*` one token, a final `>` the rest): a hub sends every
// existing and future channel matching a peer's subscription, a client sends every local channel
// matching its publish list, dead-letter channels never travel, and a peer that sends exact names
// only (as Go does) is served as before. Real nodes over mutual TLS on 127.0.0.1; raw `ws` peers.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { internalsOf } from '../../src/wiring/index.js';
import { waitForAudit } from '../support/audit.js';
import { MemoryLogger } from '../support/memory-logger.js';
import {
  connected,
  makePki,
  startNode,
  type NodeOptions,
  type TestNode,
  type TestPki,
} from '../support/cluster.js';
import { unframe } from '../support/raw-frames.js';
import { dialRawPeer, envelope, storedLines, uuid, type RawPeer } from '../support/raw-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'b']);
});

const nodes: TestNode[] = [];
const peers: RawPeer[] = [];
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => undefined);
  for (const s of servers.splice(0)) {
    for (const ws of s.clients) ws.terminate();
    await new Promise((resolve) => {
      s.close(resolve);
    });
  }
});

async function node(opts: Omit<NodeOptions, 'pki'>): Promise<TestNode> {
  const n = await startNode({ ...opts, pki });
  nodes.push(n);
  return n;
}

/** Connects as `a` with a handshake of `fields` (beyond the name, role and version). */
async function rawPeer(h: TestNode, fields: Record<string, unknown>): Promise<RawPeer> {
  const peer = await dialRawPeer(h.hubAddr, pki, 'a');
  peers.push(peer);
  peer.ws.send(JSON.stringify({ instance_name: 'a', role: 'client', version: '1', ...fields }));
  expect((await peer.next()).binary).toBe(false); // the hub's handshake: the session is up
  return peer;
}

/** The channels of the records in the next data frame `peer` receives (acknowledged). */
async function nextChannels(peer: RawPeer): Promise<string[]> {
  const message = await peer.next();
  expect(message.binary).toBe(true);
  const records = unframe(message.data).map((r) => JSON.parse(r) as { id: string; channel: string });
  peer.ws.send(JSON.stringify({ last_id: records.at(-1)!.id }));
  return records.map((r) => r.channel);
}

const cursorFile = (h: TestNode, channel: string, id: string): string =>
  path.join(h.dataDir, 'subscribers', channel, `${id}.offset`);

describe('channel patterns in federation policies', () => {
  it('sends a client every channel matching its subscription pattern, one created after the link came up included', async () => {
    const h = await node({ name: 'hub1', hub: { allowedPeers: [{ name: 'b', subscribe: ['events.>'] }] } });
    await h.messenger.publish('events.us', 'T', 'before');
    const b = await node({ name: 'b', hubs: [{ addr: h.hubAddr, subscribe: ['events.*', 'secret.*'] }] });
    await connected(b);
    await vi.waitFor(() => {
      expect(fs.existsSync(cursorFile(h, 'events.us', 'fed-b'))).toBe(true);
    });

    const us = await h.messenger.publish('events.us', 'T', 'existing channel');
    const eu = await h.messenger.publish('events.eu', 'T', 'created after the handshake');
    await h.messenger.publish('secret.x', 'T', 'matches the client, not its allowlist entry');
    const deep = await h.messenger.publish('events.eu.north', 'T', 'allowed, but not matched by events.*');
    await vi.waitFor(() => {
      expect(storedLines(b.dataDir, 'events.us')).toContain(us.id);
      expect(storedLines(b.dataDir, 'events.eu')).toContain(eu.id);
    });
    expect(storedLines(b.dataDir, 'events.us')).not.toContain('before');
    expect(storedLines(b.dataDir, 'secret.x')).toBe('');
    expect(storedLines(b.dataDir, 'events.eu.north')).not.toContain(deep.id);
  });

  it('sends the hub every local channel matching a client publish pattern, one created later included', async () => {
    const h = await node({ name: 'hub1', hub: { allowedPeers: [{ name: 'b', publish: ['out.>'] }] } });
    const b = await node({ name: 'b', hubs: [{ addr: h.hubAddr, publish: ['out.>'] }] });
    await b.messenger.publish('out.early', 'T', 'before the link');
    await connected(b);
    const early = await b.messenger.publish('out.early', 'T', 'existing channel');
    const late = await b.messenger.publish('out.late.deep', 'T', 'created after the start');
    const local = await b.messenger.publish('local', 'T', 'not matched');
    await vi.waitFor(() => {
      expect(storedLines(h.dataDir, 'out.early')).toContain(early.id);
      expect(storedLines(h.dataDir, 'out.late.deep')).toContain(late.id);
    });
    expect(storedLines(h.dataDir, 'local')).not.toContain(local.id);
    // A dead-letter channel created later is not matched: no cursor is opened for it.
    const dead = 'out.early.dead-letter';
    await internalsOf(b.messenger).append(dead, Buffer.from(`${envelope(uuid(1), dead, 1)}\n`), 1);
    const after = await b.messenger.publish('out.after', 'T', 'created after the dead-letter channel');
    await vi.waitFor(() => {
      expect(storedLines(h.dataDir, 'out.after')).toContain(after.id);
    });
    const fedout = internalsOf(b.messenger).storage.offsets.pathOf(dead, `fedout-${h.hubAddr}`);
    expect(fs.existsSync(fedout)).toBe(false);

    // Across a restart the cursor of the channel created later resumes (nothing sent twice or lost).
    await b.stop();
    await b.restart();
    await connected(b);
    const again = await b.messenger.publish('out.late.deep', 'T', 'after the restart');
    await vi.waitFor(() => {
      expect(storedLines(h.dataDir, 'out.late.deep')).toContain(again.id);
    });
    expect(storedLines(h.dataDir, 'out.late.deep').split(late.id).length).toBe(2);
  });

  it('never sends a dead-letter channel for a pattern, existing or created later', async () => {
    const h = await node({ name: 'hub1', hub: {} });
    const append = (channel: string, n: number): Promise<unknown> =>
      internalsOf(h.messenger).append(channel, Buffer.from(`${envelope(uuid(n), channel, n)}\n`), 1);
    await append('jobs.dead-letter', 1);
    const peer = await rawPeer(h, { subscribe_patterns: ['>'] });
    await append('late.dead-letter', 2);
    await h.messenger.publish('late', 'T', 'created after the dead-letter channel');
    expect(await nextChannels(peer)).toEqual(['late']);
    // Channels are opened for the peer one after the other: a dead-letter one would have come first.
    expect(fs.existsSync(cursorFile(h, 'late', 'fed-a'))).toBe(true);
    expect(fs.existsSync(cursorFile(h, 'late.dead-letter', 'fed-a'))).toBe(false);
    expect(fs.existsSync(cursorFile(h, 'jobs.dead-letter', 'fed-a'))).toBe(false);
  });

  it('sends a durable peer a matching channel created while it was away, from its first record', async () => {
    const h = await node({ name: 'hub1', hub: {} });
    const first = await rawPeer(h, { subscribe_patterns: ['later.*'] });
    first.ws.close();
    await first.closed;
    await vi.waitFor(() => {
      expect(h.messenger.stats().federation?.hub?.peers).toEqual([]);
    });
    expect(fs.readFileSync(path.join(h.dataDir, 'subscribers', 'fed-a.waiting'), 'utf8')).toBe(
      '["later.*"]\n',
    );
    const ids = [
      (await h.messenger.publish('later.x', 'T', 1)).id,
      (await h.messenger.publish('later.x', 'T', 2)).id,
    ];
    const again = await rawPeer(h, { subscribe_patterns: ['later.*'] });
    const received = unframe((await again.next()).data).map((r) => (JSON.parse(r) as { id: string }).id);
    expect(received).toEqual(ids);
  });

  it('serves a Go-style peer that sends exact names against an allowlist of patterns', async () => {
    const h = await node({ name: 'hub1', hub: { allowedPeers: [{ name: 'a', subscribe: ['events.*'] }] } });
    const peer = await rawPeer(h, { subscribe: ['events.eu', 'secret'] });
    await waitForAudit(h.dataDir, { event: 'subscription_refused', peer: 'a', detail: 'refused=[secret]' });
    await h.messenger.publish('secret', 'T', 'refused');
    await h.messenger.publish('events.us', 'T', 'not asked for');
    await h.messenger.publish('events.eu', 'T', 'asked for and allowed');
    expect(await nextChannels(peer)).toEqual(['events.eu']);
  });

  it('refuses an invalid subscription pattern in a handshake and audits it', async () => {
    const h = await node({ name: 'hub1', hub: {} });
    const peer = await rawPeer(h, { subscribe_patterns: ['ok.*', 'bad.>.x', 'plain'] });
    await waitForAudit(h.dataDir, {
      event: 'subscription_refused',
      peer: 'a',
      detail: 'refused=[bad.>.x,plain]',
    });
    await h.messenger.publish('ok.1', 'T', 1);
    expect(await nextChannels(peer)).toEqual(['ok.1']);
  });

  it('puts exact names only in the subscribe list a Go hub reads, the patterns in a field it ignores', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const handshake = new Promise<string>((resolve) => {
      server.once('connection', (ws) => {
        ws.once('message', (data: Buffer) => {
          resolve(data.toString());
          ws.send('{"instance_name":"gohub","role":"hub","version":"1"}'); // a Go hub's reply
        });
      });
    });
    const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logger = new MemoryLogger();
    const b = await startNode({
      name: 'b',
      hubs: [{ addr, subscribe: ['events.>', 'named', 'sk.*.state'] }],
      logger,
    });
    nodes.push(b);
    expect(JSON.parse(await handshake)).toMatchObject({
      subscribe: ['named', '_inbox.b'],
      subscribe_patterns: ['events.>', 'sk.*.state'],
    });
    await connected(b);
    await vi.waitFor(() => {
      expect(logger.find('the hub does not take subscription patterns')[0]?.fields).toMatchObject({
        subscribe_patterns: ['events.>', 'sk.*.state'],
      });
    });
  });
});
