// Wire-level tests with a hand-written client: raw `ws`, handshake JSON and length-prefixed frames
// built byte by byte here, no project code on the client side.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { waitForAudit } from '../support/audit.js';
import { makePki, nodesStoppedAfterEach, type TestNode, type TestPki } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { frame, unframe } from '../support/raw-frames.js';
import { dial, envelope, inbox, openRawPeer, storedLines, uuid } from '../support/raw-peer.js';

let pki: TestPki;
let foreign: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'b']);
  foreign = await makePki(['a']);
});

const startNode = nodesStoppedAfterEach();

async function hub(allowedPeers: { name: string }[] = []): Promise<TestNode> {
  const n = await startNode({ name: 'hub1', pki, hub: { allowedPeers } });
  return n;
}

/** An open connection of identity `who` to `h`, with its {@link inbox}. */
function connected(h: TestNode, who: string): ReturnType<typeof openRawPeer> {
  return openRawPeer(h.hubAddr, pki.pairs.get(who)!, pki.ca);
}

describe('federation wire protocol (hand-written client)', () => {
  it('speaks the Go handshake, frames and acks byte for byte, both directions', async () => {
    const h = await hub();
    const { ws, next } = await connected(h, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1","subscribe":["alerts"]}');
    const hello = await next();
    expect(hello.binary).toBe(false);
    // Go's handshake plus this port's extra fields (frames it accepts in flight, largest record), which Go ignores.
    expect(hello.data.toString()).toBe(
      '{"instance_name":"hub1","role":"hub","version":"1","max_in_flight":32,"max_batch_bytes":4194304}',
    );

    const got = collector();
    await h.messenger.subscribe('inbox', 's', got.handler);
    ws.send(frame([envelope(uuid(1), 'inbox', { n: 1 }), envelope(uuid(2), 'inbox', { n: 2 })]), {
      binary: true,
    });
    const ack = await next();
    expect(ack.binary).toBe(false);
    expect(ack.data.toString()).toBe(`{"last_id":"${uuid(2)}"}`);
    await got.waitFor(2);
    expect(got.messages.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }]);

    ws.send(frame([envelope(uuid(2), 'inbox', { n: 2 })]), { binary: true });
    expect((await next()).data.toString()).toBe(`{"last_id":"${uuid(2)}"}`);

    const { id } = await h.messenger.publish('alerts', 'Alert', { level: 'high' });
    const data = await next();
    expect(data.binary).toBe(true);
    const records = unframe(data.data);
    expect(records).toHaveLength(1);
    expect(JSON.parse(records[0]!)).toMatchObject({
      v: 1,
      id,
      channel: 'alerts',
      origin: 'hub1',
      payload_type: 'Alert',
      payload: { level: 'high' },
    });
    ws.send(JSON.stringify({ last_id: id }));
    const offsetFile = path.join(h.dataDir, 'subscribers', 'alerts', 'fed-a.offset');
    await vi.waitFor(() => {
      expect(fs.readFileSync(offsetFile, 'utf8')).toBe(
        `${h.messenger.stats().channels['alerts']!.endOffset}\n`,
      );
    });
    expect(got.messages).toHaveLength(2);
  });

  it('sends a peer that announces a window new records while an earlier frame awaits its ack', async () => {
    const h = await hub();
    const { ws, next } = await connected(h, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1","subscribe":["alerts"],"max_in_flight":2}');
    await next();
    const payloads = async (): Promise<unknown[]> =>
      unframe((await next()).data).map((r) => (JSON.parse(r) as { payload: unknown }).payload);
    const first = await h.messenger.publish('alerts', 'Alert', 1);
    expect(await payloads()).toEqual([1]);
    // Not acknowledged yet: the next record still goes out at once, in a frame of its own.
    const second = await h.messenger.publish('alerts', 'Alert', 2);
    expect(await payloads()).toEqual([2]);
    const offsetFile = path.join(h.dataDir, 'subscribers', 'alerts', 'fed-a.offset');
    const end = h.messenger.stats().channels['alerts']!.endOffset;
    ws.send(JSON.stringify({ last_id: first.id }));
    ws.send(JSON.stringify({ last_id: second.id }));
    await vi.waitFor(() => {
      expect(fs.readFileSync(offsetFile, 'utf8')).toBe(`${end}\n`);
    });
  });

  it('stores each record as received with its name appended to the route, whatever its shape, on one line', async () => {
    const h = await hub();
    const { ws, next } = await connected(h, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1"}');
    await next();
    const head = (id: number): string =>
      `{"v":1,"id":"${uuid(id)}","ts":"2026-11-23T03:29:51.976211599Z","channel":"inbox","origin":"a","payload_type":"T"`;
    const sent = [
      `${head(1)},"payload":{ "n" : 1,"s":"a\\u00e9" }}`,
      `${head(2)},"payload":[1, 2]}\n`,
      `${head(3)},"route":["x","a"],"payload":{"n":3}}`,
      `${head(4)},"payload":{"n":\n5}}`,
      `{"payload":{"n":4},"v":1,"id":"${uuid(5)}","ts":"2026-11-23T03:29:51Z","channel":"inbox","origin":"a","payload_type":"T"}`,
    ];
    ws.send(frame(sent), { binary: true });
    expect((await next()).data.toString()).toBe(`{"last_id":"${uuid(5)}"}`);
    ws.send(frame([`${head(6)},"payload":"é"}`, `${head(7)},"route":["x","a"],"payload":"é"}`]), {
      binary: true,
    });
    expect((await next()).data.toString()).toBe(`{"last_id":"${uuid(7)}"}`);
    const route = ',"route":["hub1"]';
    expect(storedLines(h.dataDir, 'inbox')).toBe(
      [
        `${head(1)}${route},"payload":{ "n" : 1,"s":"a\\u00e9" }}\n`,
        `${head(2)}${route},"payload":[1, 2]}\n`,
        `${head(3)},"route":["x","a","hub1"],"payload":{"n":3}}\n`,
        `${head(4)}${route},"payload":{"n":5}}\n`,
        `{"v":1,"id":"${uuid(5)}","ts":"2026-11-23T03:29:51Z","channel":"inbox","origin":"a","payload_type":"T"${route},"payload":{"n":4}}\n`,
        `${head(6)}${route},"payload":"é"}\n`,
        `${head(7)},"route":["x","a","hub1"],"payload":"é"}\n`,
      ].join(''),
    );
  });

  it('reports refused ids in the ack (an extra field Go ignores)', async () => {
    const h = await startNode({ name: 'hub1', pki, hub: { allowedPeers: [{ name: 'a', publish: ['ok'] }] } });
    const { ws, next } = await connected(h, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1"}');
    await next();
    ws.send(
      frame([envelope(uuid(1), 'ok', 1), envelope(uuid(2), 'nope', 2), envelope(uuid(3), '../etc', 3)]),
      {
        binary: true,
      },
    );
    expect(JSON.parse((await next()).data.toString())).toEqual({
      last_id: uuid(3),
      refused: [uuid(2), uuid(3)],
    });
    await waitForAudit(h.dataDir, { event: 'policy_violation', message_id: uuid(2) });
  });

  it('lists an oversized record among the refused ids of the ack', async () => {
    const h = await startNode({ name: 'hub1', pki, hub: {}, maxBatchBytes: 1024 });
    const { ws, next } = await connected(h, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1"}');
    await next();
    ws.send(frame([envelope(uuid(1), 'in', 1), envelope(uuid(2), 'in', 'x'.repeat(2000))]), { binary: true });
    expect(JSON.parse((await next()).data.toString())).toEqual({ last_id: uuid(1), refused: [uuid(2)] });
    await waitForAudit(h.dataDir, { event: 'oversized_dropped', message_id: uuid(2) });
  });

  it('lets several ephemeral connections share one identity', async () => {
    const h = await hub();
    const first = dial(h.hubAddr, pki.pairs.get('b')!, pki.ca);
    const second = dial(h.hubAddr, pki.pairs.get('b')!, pki.ca);
    const inboxes = [inbox(first), inbox(second)];
    for (const ws of [first, second]) {
      await new Promise((r) => ws.once('open', r));
      ws.send('{"instance_name":"b","role":"client","version":"1","subscribe":["live"],"ephemeral":true}');
    }
    for (const next of inboxes) await next();
    await h.messenger.publish('live', 'T', 'both');
    for (const next of inboxes) {
      expect(unframe((await next()).data).map((r) => (JSON.parse(r) as { payload: string }).payload)).toEqual(
        ['both'],
      );
    }
    expect(first.readyState).toBe(WebSocket.OPEN);
  });

  it('gives an ephemeral peer live messages and keeps no cursor file for it', async () => {
    const h = await hub();
    const { ws, next } = await connected(h, 'b');
    await h.messenger.publish('live', 'T', 'before');
    ws.send('{"instance_name":"b","role":"client","version":"1","subscribe":["live"],"ephemeral":true}');
    await next();
    await h.messenger.publish('live', 'T', 'after');
    const data = await next();
    expect(unframe(data.data).map((r) => (JSON.parse(r) as { payload: string }).payload)).toEqual(['after']);
    ws.send(JSON.stringify({ last_id: 'x' }));
    expect(fs.existsSync(path.join(h.dataDir, 'subscribers', 'live'))).toBe(false);
  });

  it('closes an unknown CN with 4403 "not in allowlist" and audits client_rejected', async () => {
    const h = await hub([{ name: 'b' }]);
    const ws = dial(h.hubAddr, pki.pairs.get('a')!, pki.ca);
    const closed = new Promise<[number, string]>((r) =>
      ws.once('close', (code, reason) => {
        r([code, reason.toString()]);
      }),
    );
    expect(await closed).toEqual([4403, 'not in allowlist']);
    await waitForAudit(h.dataDir, { event: 'client_rejected', peer: 'a' });
  });

  it('refuses a certificate from a foreign CA at the TLS handshake', async () => {
    const h = await hub();
    const ws = dial(h.hubAddr, foreign.pairs.get('a')!, pki.ca);
    const outcome = await new Promise<string>((r) => {
      ws.once('open', () => {
        r('open');
      });
      ws.once('error', (err) => {
        r(`error: ${err.message}`);
      });
    });
    expect(outcome).toMatch(/^error: /);
    expect(h.messenger.stats().channels).toEqual({});
  });

  it('refuses a TLS 1.2 client when the minimum is 1.3', async () => {
    const h = await hub();
    const ws = dial(h.hubAddr, pki.pairs.get('a')!, pki.ca, { maxVersion: 'TLSv1.2' });
    const outcome = await new Promise<string>((r) => {
      ws.once('open', () => {
        r('open');
      });
      ws.once('error', (err) => {
        r(`error: ${err.message}`);
      });
    });
    expect(outcome).toMatch(/^error: .*(version|protocol)/i);
  });
});
