/**
 * The independent implementation of docs/conventions/streaming-rpc.md and StreamRpc across a real
 * federation hub (mTLS on 127.0.0.1): implied inboxes (§9), the slug with its SHA-1 suffix, a server on
 * a client, and two servers answering one request (§7.2).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { StreamRpc, type Messenger, type RpcWriter } from '../../src/index.js';
import { closedAfterEach } from '../support/closing.js';
import {
  connected,
  makePki,
  nodesStoppedAfterEach,
  type NodeOptions,
  type TestPki,
} from '../support/cluster.js';
import { deferred } from '../support/deferred.js';
import { publishRaw, RawReader, type RawRecord } from './raw.js';
import { drain, rawReaderOf } from './rpc-fixtures.js';
import { RawRequester } from './rpc-requester.js';
import { RawServer } from './rpc-server.js';
import { inboxOf, RpcType } from './rpc-wire.js';

// Certificate names are DNS names (and file names of the test PKI), so the name whose inbox needs the
// SHA-1 suffix (§2) here ends in `.dead-letter`; rpc-streamrpc-vs-server.test.ts covers the others.
const DEAD_LETTER_NAME = 'edge.dead-letter';
const REQUESTERS = ['alpha', DEAD_LETTER_NAME];
let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 's1', 's2', ...REQUESTERS]);
});

describe('rpc across a hub, independent and StreamRpc ends', () => {
  const closing = closedAfterEach();
  const startNode = nodesStoppedAfterEach();

  async function node(opts: NodeOptions) {
    return startNode({ pki, ...opts });
  }

  async function rpcOn(messenger: Messenger): Promise<StreamRpc> {
    const rpc = await StreamRpc.open(messenger);
    closing.push(rpc);
    return rpc;
  }

  /** A hub and requester clients that publish `svc.req` to it; their inboxes are in no policy. */
  async function hubWithRequesters(names: string[]) {
    const hub = await node({
      name: 'hub1',
      hub: { allowedPeers: names.map((name) => ({ name, subscribe: ['other'], publish: ['svc.req'] })) },
    });
    const clients = [];
    for (const name of names) {
      const client = await node({ name, hubs: [{ addr: hub.hubAddr, publish: ['svc.req'] }] });
      await connected(client);
      clients.push(client);
    }
    return { hub, clients };
  }

  const countTo = (n: number) => async (_req: unknown, writer: RpcWriter) => {
    for (let i = 1; i <= n; i++) await writer.write(i);
  };

  it('answers an independent requester on a client from StreamRpc on the hub, with no policy for the inbox', async () => {
    const { hub, clients } = await hubWithRequesters(REQUESTERS);
    await (await rpcOn(hub.messenger)).serve('svc.req', 'svc.count.v1', countTo(5));
    for (const client of clients) {
      const requester = await RawRequester.open(client.messenger);
      closing.push(requester);
      expect(requester.inbox).toBe(inboxOf(client.name));
      const stream = await requester.open('svc.req', 'svc.count.v1', null, { window: 2 });
      expect(await stream.readAll()).toEqual({
        items: [1, 2, 3, 4, 5],
        end: { code: 1000, text: '', local: false },
      });
    }
    expect(inboxOf(DEAD_LETTER_NAME)).toMatch(/^_inbox\.edge\.dead-letter-[0-9a-f]{6}$/);
  });

  it('answers StreamRpc on a client from the independent server on the hub, on the inbox it derives', async () => {
    const { hub, clients } = await hubWithRequesters(REQUESTERS);
    const server = await RawServer.open(hub.messenger, 'svc.req', {
      'svc.who.v1': async (req, writer) => {
        await writer.write(req.replyTo);
        await writer.write(req.record.origin);
      },
    });
    closing.push(server);
    for (const client of clients) {
      const rpc = await rpcOn(client.messenger);
      expect(await drain(rpc.openStream('svc.req', 'svc.who.v1', null, { window: 1 }))).toEqual({
        items: [inboxOf(client.name), client.name],
      });
    }
  });

  /** A hub with StreamRpc and the independent requester, and server clients s1, s2 answering on `_inbox.>`. */
  async function hubWithServers() {
    const hub = await node({
      name: 'hub1',
      hub: {
        // The servers may publish only `other`: the hub accepts its own inbox from any allowed peer.
        allowedPeers: ['s1', 's2'].map((name) => ({ name, subscribe: ['svc.req'], publish: ['other'] })),
      },
    });
    const servers = [];
    for (const name of ['s1', 's2']) {
      const client = await node({
        name,
        hubs: [{ addr: hub.hubAddr, subscribe: ['svc.req'], publish: ['_inbox.>'] }],
      });
      await connected(client);
      servers.push(client);
    }
    const hubInbox = await rawReaderOf(closing, hub.messenger, inboxOf('hub1'));
    return { hub, s1: servers[0]!, s2: servers[1]!, hubInbox };
  }

  /** StreamRpc on `messenger` answers `svc.pair.v1` with 's1-1', then 's1-2' once `released`. */
  async function serveFirst(messenger: Messenger, released: Promise<void>): Promise<void> {
    await (
      await rpcOn(messenger)
    ).serve('svc.req', 'svc.pair.v1', async (_req, writer) => {
      await writer.write('s1-1');
      await released;
      await writer.write('s1-2');
    });
  }

  const dataFrom =
    (origin: string, seq = 1) =>
    (r: RawRecord): boolean =>
      r.payloadType === RpcType.data && r.origin === origin && (r.payload as { seq: number }).seq === seq;

  it('answers a requester on the hub from the independent server on a client', async () => {
    const { hub, s1 } = await hubWithServers();
    closing.push(
      await RawServer.open(s1.messenger, 'svc.req', { 'svc.count.v1': (_req, w) => w.write('from s1') }),
    );
    const rpc = await rpcOn(hub.messenger);
    const requester = await RawRequester.open(hub.messenger);
    closing.push(requester);
    const first = rpc.openStream('svc.req', 'svc.count.v1', null);
    expect(await drain(first)).toEqual({ items: ['from s1'] });
    const raw = await requester.open('svc.req', 'svc.count.v1', null);
    expect(await raw.readAll()).toMatchObject({ items: ['from s1'], end: { code: 1000 } });
  });

  it('relays between two clients of one hub: the server’s client publishes `_inbox.>`, allowed by the hub', async () => {
    const channels = ['svc.req', 'raw.req'];
    const hub = await node({
      name: 'hub1',
      hub: {
        allowedPeers: [
          { name: 'alpha', subscribe: ['other'], publish: channels },
          { name: 's1', subscribe: channels, publish: ['_inbox.>'] },
        ],
      },
    });
    const alpha = await node({ name: 'alpha', hubs: [{ addr: hub.hubAddr, publish: channels }] });
    const s1 = await node({
      name: 's1',
      hubs: [{ addr: hub.hubAddr, subscribe: channels, publish: ['_inbox.>'] }],
    });
    await connected(alpha);
    await connected(s1);
    // One runtime per request channel: a second one would answer 4004 for the types it does not serve.
    await (await rpcOn(s1.messenger)).serve('svc.req', 'svc.count.v1', countTo(3));
    closing.push(
      await RawServer.open(s1.messenger, 'raw.req', { 'svc.raw.v1': (_req, w) => w.write('raw') }),
    );
    const requester = await RawRequester.open(alpha.messenger);
    closing.push(requester);
    const stream = await requester.open('svc.req', 'svc.count.v1', null, { window: 1 });
    expect(await stream.readAll()).toEqual({ items: [1, 2, 3], end: { code: 1000, text: '', local: false } });
    expect(stream.dropped).toEqual([]);
    const rpc = await rpcOn(alpha.messenger);
    expect(await drain(rpc.openStream('raw.req', 'svc.raw.v1', null))).toEqual({ items: ['raw'] });
  });

  it('keeps the first server of a stream: the independent requester drops a second server’s frames', async () => {
    const { hub, s1, s2, hubInbox } = await hubWithServers();
    const s2Closed = deferred();
    await serveFirst(s1.messenger, s2Closed.promise);
    await (
      await rpcOn(s2.messenger)
    ).serve('svc.req', 'svc.pair.v1', async (_req, writer) => {
      // Answers only once s1 has: s1 is the stream's server, s2 the second one.
      await hubInbox.first(dataFrom('s1'));
      await writer.write('s2-1');
      await writer.write('s2-2');
    });
    const requester = await RawRequester.open(hub.messenger);
    closing.push(requester);
    const stream = await requester.open('svc.req', 'svc.pair.v1', null);
    await hubInbox.first((r) => r.payloadType === RpcType.close && r.origin === 's2');
    s2Closed.resolve();
    expect(await stream.readAll()).toEqual({
      items: ['s1-1', 's1-2'],
      end: { code: 1000, text: '', local: false },
    });
    expect(stream.dropped.filter((d) => d.reason === 'second-server').map((d) => d.record.origin)).toEqual([
      's2',
      's2',
      's2',
    ]);
  });

  it('keeps the first server of a stream: StreamRpc ignores a second server’s frames, unreadable ones too', async () => {
    const { hub, s1, s2, hubInbox } = await hubWithServers();
    const secondDone = deferred();
    await serveFirst(s1.messenger, secondDone.promise);
    // s2 answers the same request with raw frames once s1 has: an unreadable one, then a whole answer.
    const s2Requests = await RawReader.open(s2.messenger, 'svc.req', 'raw-second-server');
    closing.push(s2Requests);
    s2Requests.onRecord((request) => {
      if (request.payloadType !== 'svc.pair.v1') return;
      const { reply_to: inbox } = request.payload as { reply_to: string };
      const send = (type: string, payload: unknown) =>
        publishRaw(s2.messenger, inbox, type, payload, request.correlationId);
      void (async () => {
        await hubInbox.first(dataFrom('s1'));
        await send(RpcType.data, { seq: 'one', run: 'r2', data: 'unreadable' });
        await send(RpcType.data, { seq: 2, run: 'r2', data: 's2-2' });
        await send(RpcType.close, { seq: 3, run: 'r2', code: 1000, text: '' });
        await hubInbox.first((r) => r.payloadType === RpcType.close && r.origin === 's2');
        secondDone.resolve();
      })();
    });
    const rpc = await rpcOn(hub.messenger);
    expect(await drain(rpc.openStream('svc.req', 'svc.pair.v1', null))).toEqual({ items: ['s1-1', 's1-2'] });
  });
});
