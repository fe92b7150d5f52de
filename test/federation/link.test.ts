// The link's send window over a real WebSocket pair on 127.0.0.1: frames go out while fewer than the
// peer's window await their ack, acks settle them in order.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { systemClock } from '../../internal/clock/index.js';
import { Link } from '../../internal/federation/link.js';
import { MessageQueue } from '../../internal/federation/message-queue.js';
import { silentLogger } from '../../internal/logger/index.js';
import { unframe } from '../support/raw-frames.js';

const servers: WebSocketServer[] = [];
const links: Link[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) {
    link.close();
    await link.ended;
  }
  for (const s of servers.splice(0))
    await new Promise((r) => {
      s.close(r);
    });
});

/** A link over a fresh connection, and the far end's socket with what it received, in order. */
async function linkPair(framesInFlight: number): Promise<{
  link: Link;
  ws: WebSocket;
  peer: WebSocket;
  next: () => Promise<string>;
}> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  const received: string[] = [];
  const waiters: ((event: string) => void)[] = [];
  const push = (event: string): void => {
    const waiter = waiters.shift();
    if (waiter) waiter(event);
    else received.push(event);
  };
  const peer = new Promise<WebSocket>((resolve) => {
    server.once('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        push(`frame ${unframe(data).join(',')}`);
      });
      ws.on('ping', () => {
        push('ping');
      });
      resolve(ws);
    });
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await new Promise((r) => ws.once('open', r));
  const link = new Link({
    ws,
    queue: new MessageQueue(ws),
    peer: 'far',
    framesInFlight,
    onFrame: () => Promise.resolve({ last_id: '' }),
    pingIntervalMs: 60_000,
    clock: systemClock,
    logger: silentLogger,
  });
  links.push(link);
  return {
    link,
    ws,
    peer: await peer,
    next: () => {
      const event = received.shift();
      return event !== undefined ? Promise.resolve(event) : new Promise((r) => waiters.push(r));
    },
  };
}

describe('link send window', () => {
  it('sends up to the window before an ack, then one frame per ack, settling acks in order', async () => {
    const { link, ws, peer, next } = await linkPair(2);
    const acks = ['r1', 'r2', 'r3'].map((r) => link.send([Buffer.from(r)]));
    // A ping goes out on the same socket after whatever frames the link wrote: only two may precede it.
    ws.ping();
    expect([await next(), await next(), await next()]).toEqual(['frame r1', 'frame r2', 'ping']);

    peer.send('{"last_id":"r1"}');
    expect(await acks[0]).toEqual({ last_id: 'r1' });
    expect(await next()).toBe('frame r3');
    peer.send('{"last_id":"r2"}');
    peer.send('{"last_id":"r3"}');
    expect(await Promise.all(acks.slice(1))).toEqual([{ last_id: 'r2' }, { last_id: 'r3' }]);
  });

  it('fails every frame in flight or waiting when the connection is lost', async () => {
    const { link, peer, next } = await linkPair(1);
    const sent = [link.send([Buffer.from('a')]), link.send([Buffer.from('b')])];
    expect(await next()).toBe('frame a');
    peer.terminate();
    for (const result of await Promise.allSettled(sent)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_LINK_LOST' } });
    }
  });

  it('fails a frame written while the link is closing with ERR_LINK_LOST, naming the write error', async () => {
    const { link, peer } = await linkPair(4);
    peer.pause(); // the far end never answers the close, so the link stays closing
    link.close(1001, 'going away');
    const err = await link.send([Buffer.from('late')]).catch((e: unknown) => e);
    peer.terminate();
    expect(err).toMatchObject({
      code: 'ERR_LINK_LOST',
      cause: { message: expect.stringMatching(/not open/) as string },
    });
  });
});
