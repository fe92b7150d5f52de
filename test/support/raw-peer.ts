/**
 * A federation peer played with raw `ws` and certificates from a test PKI: no project code on the
 * peer's side, so tests see exactly what a hub sends and how it closes.
 */
import fs from 'node:fs';
import WebSocket from 'ws';
import type { TestPki } from './cluster.js';

/** One message as the peer received it. */
export interface PeerMessage {
  data: Buffer;
  binary: boolean;
}

/** An open connection to a hub. */
export interface RawPeer {
  ws: WebSocket;
  /** The next message received (in arrival order). */
  next(): Promise<PeerMessage>;
  /** Resolves with the close code and reason once the connection is closed. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a wss:// connection to `addr` as `who` (a name of `pki`), without sending a handshake. */
export async function dialRawPeer(addr: string, pki: TestPki, who: string): Promise<RawPeer> {
  const pair = pki.pairs.get(who);
  if (pair === undefined) throw new Error(`no certificate for ${who} in the test PKI`);
  const ws = new WebSocket(`wss://${addr}/`, {
    cert: fs.readFileSync(pair.certFile),
    key: fs.readFileSync(pair.keyFile),
    ca: fs.readFileSync(pki.ca),
  });
  const queue: PeerMessage[] = [];
  const waiters: ((m: PeerMessage) => void)[] = [];
  ws.on('message', (data, binary) => {
    const m = { data: data as Buffer, binary };
    const waiter = waiters.shift();
    if (waiter) waiter(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    next: () => {
      const m = queue.shift();
      return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push(resolve));
    },
    closed,
  };
}
