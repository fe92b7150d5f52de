// The client against a hand-written hub that speaks the Go original's wire protocol byte for byte (plain
// ws, handshake JSON, length-prefixed frames, `{"last_id":…}` acks without a `refused` field); no project
// code on the hub side.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { EphemeralMessenger, ErrorCode, hasErrorCode } from '../../src/index.js';
import { settle } from '../support/fake-clock.js';
import { collector } from '../support/messages.js';
import { frame, unframe } from '../support/raw-frames.js';

interface Inbound {
  data: Buffer;
  binary: boolean;
}

/** A one-connection hub: every message it receives, in order, and the socket to answer on. */
interface GoHub {
  addr: string;
  socket: Promise<WebSocket>;
  next(): Promise<Inbound>;
}

const servers: WebSocketServer[] = [];
const clients: EphemeralMessenger[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of servers.splice(0)) {
    for (const ws of s.clients) ws.terminate();
    await new Promise((r) => {
      s.close(r);
    });
  }
});

async function goHub(): Promise<GoHub> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const queue: Inbound[] = [];
  const waiters: ((m: Inbound) => void)[] = [];
  const socket = new Promise<WebSocket>((resolve) => {
    server.once('connection', (ws) => {
      ws.on('message', (data: Buffer, binary) => {
        const m = { data, binary };
        const w = waiters.shift();
        if (w) w(m);
        else queue.push(m);
      });
      resolve(ws);
    });
  });
  return {
    addr: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    socket,
    next: () => {
      const m = queue.shift();
      return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
    },
  };
}

function ephemeral(addr: string): EphemeralMessenger {
  const em = new EphemeralMessenger({ hubAddr: addr, instanceName: 'eph', subscribe: ['alerts'] });
  clients.push(em);
  return em;
}

/**
 * Accepts the connection: reads the client's handshake and replies as a Go hub, or, given a window,
 * as a hub of this port announcing `max_in_flight`.
 */
async function accept(hub: GoHub, window?: number): Promise<{ ws: WebSocket; handshake: string }> {
  const handshake = await hub.next();
  expect(handshake.binary).toBe(false);
  const ws = await hub.socket;
  const extra = window === undefined ? '' : `,"max_in_flight":${window}`;
  ws.send(`{"instance_name":"gohub","role":"hub","version":"1"${extra}}`);
  return { ws, handshake: handshake.data.toString() };
}

describe('EphemeralMessenger against a Go-protocol hub', () => {
  it('sends the Go handshake, batches publishes into one frame, and settles them by a plain last_id ack', async () => {
    const hub = await goHub();
    const em = ephemeral(hub.addr);
    const connecting = em.connect();
    const { ws, handshake } = await accept(hub);
    await connecting;
    expect(handshake).toBe(
      '{"instance_name":"eph","role":"client","version":"1","subscribe":["alerts"],"ephemeral":true,"max_in_flight":32}',
    );
    expect(em.stats().hub).toBe('gohub');

    const published = Promise.all([
      em.publish('orders', 'Order', { n: 1 }),
      em.publish('orders', 'Order', { n: 2 }),
    ]);
    const data = await hub.next();
    expect(data.binary).toBe(true);
    // Records are compact envelope JSON without the line's newline, as Go sends them.
    expect(unframe(data.data).filter((r) => r.endsWith('\n'))).toEqual([]);
    const records = unframe(data.data).map((r) => JSON.parse(r) as Record<string, unknown>);
    expect(records.map((r) => [r['v'], r['channel'], r['origin'], r['payload_type'], r['payload']])).toEqual([
      [1, 'orders', 'eph', 'Order', { n: 1 }],
      [1, 'orders', 'eph', 'Order', { n: 2 }],
    ]);
    ws.send(JSON.stringify({ last_id: records[1]?.['id'] }));
    const receipts = await published;
    expect(receipts.map((r) => r.id)).toEqual(records.map((r) => r['id']));
    expect(em.stats()).toMatchObject({ framesSent: 1, messagesAcked: 2, messagesRefused: 0 });
  });

  it('keeps one frame in flight with a Go hub, which announces no window', async () => {
    const hub = await goHub();
    const em = new EphemeralMessenger({ hubAddr: hub.addr, instanceName: 'eph', maxBatchBytes: 1024 });
    clients.push(em);
    const connecting = em.connect();
    const { ws } = await accept(hub);
    await connecting;
    // Each record is ~750 bytes, so every publish needs a frame of its own.
    const published = Promise.all([1, 2, 3].map((n) => em.publish('orders', 'Order', 'x'.repeat(600 + n))));
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const data = await hub.next();
      // The next frame leaves only after this one's ack (sent below), never before.
      expect(em.stats()).toMatchObject({ framesSent: n, inFlight: 1 });
      const records = unframe(data.data).map((r) => JSON.parse(r) as { id: string });
      expect(records).toHaveLength(1);
      ids.push(records[0]!.id);
      ws.send(JSON.stringify({ last_id: records[0]!.id }));
    }
    expect((await published).map((r) => r.id)).toEqual(ids);
  });

  it('sends a burst on an idle link as two frames when the hub announces a window, in order', async () => {
    const hub = await goHub();
    const em = ephemeral(hub.addr);
    const connecting = em.connect();
    const { ws } = await accept(hub, 4);
    await connecting;
    const burst = (from: number): Promise<unknown> =>
      Promise.all(Array.from({ length: 32 }, (_, i) => em.publish('orders', 'Order', from + i)));
    const first = burst(0);
    const frames = [await hub.next(), await hub.next()];
    // Both halves are on the wire before any ack: the hub stores one while the other arrives.
    expect(em.stats()).toMatchObject({ framesSent: 2, inFlight: 32 });
    const payloads = (f: Inbound): number[] =>
      unframe(f.data).map((r) => (JSON.parse(r) as { payload: number }).payload);
    expect(frames.map(payloads)).toEqual([
      Array.from({ length: 16 }, (_, i) => i),
      Array.from({ length: 16 }, (_, i) => 16 + i),
    ]);
    // A burst while a frame is in flight is not split: it goes out whole in the window's next frame.
    const lastOf = (f: Inbound): string => (JSON.parse(unframe(f.data).at(-1)!) as { id: string }).id;
    ws.send(JSON.stringify({ last_id: lastOf(frames[0]!) }));
    const second = burst(32);
    const third = await hub.next();
    expect(payloads(third)).toEqual(Array.from({ length: 32 }, (_, i) => 32 + i));
    for (const f of [frames[1]!, third]) ws.send(JSON.stringify({ last_id: lastOf(f) }));
    await Promise.all([first, second]);
    expect(em.stats()).toMatchObject({ framesSent: 3, messagesAcked: 64 });
  });

  it('acknowledges a data frame with the last id, after its handlers finished', async () => {
    const hub = await goHub();
    const em = ephemeral(hub.addr);
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const got = collector();
    em.subscribe('alerts', async (m) => {
      events.push(`start ${String(m.payload)}`);
      if (m.payload === 1) await gate;
      events.push(`end ${String(m.payload)}`);
    });
    em.subscribe('alerts', got.handler);
    const connecting = em.connect();
    const { ws } = await accept(hub);
    await connecting;
    const envelope = (id: string, payload: number): string =>
      JSON.stringify({
        v: 1,
        id,
        ts: '2026-11-23T03:29:51.976211599Z',
        channel: 'alerts',
        origin: 'gohub',
        payload_type: 'A',
        payload,
      });
    ws.send(frame([envelope('id-1', 1), envelope('id-2', 2)]), { binary: true });
    const ack = hub.next().then((m) => {
      events.push(`ack ${m.data.toString()}`);
      return m;
    });
    await got.waitFor(1);
    await settle();
    events.push('release');
    release();
    expect((await ack).binary).toBe(false);
    expect(events).toEqual(['start 1', 'release', 'end 1', 'start 2', 'end 2', 'ack {"last_id":"id-2"}']);
    expect(got.messages.map((m) => [m.id, m.origin, m.offset])).toEqual([
      ['id-1', 'gohub', -1],
      ['id-2', 'gohub', -1],
    ]);
  });

  it('fails the batch in flight with ERR_EPHEMERAL_CONN_LOST when the hub drops before acking', async () => {
    const hub = await goHub();
    const em = ephemeral(hub.addr);
    const connecting = em.connect();
    const { ws } = await accept(hub);
    await connecting;
    const inFlight = em.publish('orders', 'Order', 1).catch((e: unknown) => e as Error);
    await hub.next();
    ws.close(1011, 'store failed');
    const err = await inFlight;
    expect(hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST)).toBe(true);
    expect(em.state).toBe('disconnected');
  });
});
