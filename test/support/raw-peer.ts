/**
 * A hand-written federation peer for wire-level tests: a raw `ws` connection with a certificate of
 * the test PKI, its messages in arrival order, and ids and stored lines to check against. No project
 * code on the peer's side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { TestPki } from './cluster.js';

const sockets: WebSocket[] = [];
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

/** One message received by a raw peer. */
export interface RawMessage {
  data: Buffer;
  binary: boolean;
}

/** Dials `wss://addr/` with `who`'s certificate, trusting `ca`; terminated after the test. */
export function dial(
  addr: string,
  who: { certFile: string; keyFile: string },
  ca: string,
  extra: object = {},
): WebSocket {
  const ws = new WebSocket(`wss://${addr}/`, {
    cert: fs.readFileSync(who.certFile),
    key: fs.readFileSync(who.keyFile),
    ca: fs.readFileSync(ca),
    ...extra,
  });
  sockets.push(ws);
  return ws;
}

/** Messages in arrival order, and a way to take the next one. */
export function inbox(ws: WebSocket): () => Promise<RawMessage> {
  const queue: RawMessage[] = [];
  const waiters: ((m: RawMessage) => void)[] = [];
  ws.on('message', (data, binary) => {
    const m = { data: data as Buffer, binary };
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  return () => {
    const m = queue.shift();
    return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
  };
}

/** An open connection to a hub. */
export interface RawPeer {
  ws: WebSocket;
  /** The next message received (in arrival order). */
  readonly next: () => Promise<RawMessage>;
  /** Resolves with the close code and reason once the connection is closed. */
  closed: Promise<{ code: number; reason: string }>;
}

/** An open connection of `who` to `addr`, with its {@link inbox}; no handshake sent yet. */
export async function openRawPeer(
  addr: string,
  who: { certFile: string; keyFile: string },
  ca: string,
): Promise<RawPeer> {
  const ws = dial(addr, who, ca);
  const next = inbox(ws);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, next, closed };
}

/** {@link openRawPeer} as `who`, a name of the test PKI `pki`. */
export function dialRawPeer(addr: string, pki: TestPki, who: string): Promise<RawPeer> {
  const pair = pki.pairs.get(who);
  if (pair === undefined) throw new Error(`no certificate for ${who} in the test PKI`);
  return openRawPeer(addr, pair, pki.ca);
}

/** A canonical UUID (v7 layout) numbered `n`, so ids read in order in a test. */
export function uuid(n: number): string {
  return `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;
}

/** A record from origin `a`, in the canonical shape, with a fixed time. */
export function envelope(id: string, channel: string, payload: unknown): string {
  return JSON.stringify({
    v: 1,
    id,
    ts: '2026-11-23T03:29:51.976211599Z',
    channel,
    origin: 'a',
    payload_type: 'T',
    payload,
  });
}

/** Everything stored on `channel` in `dataDir`, segment after segment. */
export function storedLines(dataDir: string, channel: string): string {
  const dir = path.join(dataDir, 'channels', channel);
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => fs.readFileSync(path.join(dir, name), 'utf8'))
    .join('');
}
