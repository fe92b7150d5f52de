/**
 * A federation peer that follows the protocol (a `ws` client, the handshake and frames written here):
 * tests check with it that a hub still serves while others misbehave.
 */
import fs from 'node:fs';
import WebSocket from 'ws';
import { newEnvelopeId } from '../../internal/envelope/index.js';
import { frame } from './raw-frames.js';
import type { RawTlsFiles } from './raw-websocket.js';

/** A connected, handshaken peer. */
export interface WellBehavedPeer {
  /** Publishes one record to `channel`; resolves with its id once the hub acknowledged it. */
  publish(channel: string): Promise<string>;
  close(): void;
}

/** Connects as `name` (over TLS with `files`), exchanges handshakes, and resolves when the hub's arrived. */
export async function connectWellBehavedPeer(
  addr: string,
  name: string,
  files: RawTlsFiles | undefined,
): Promise<WellBehavedPeer> {
  const ws =
    files === undefined
      ? new WebSocket(`ws://${addr}/`)
      : new WebSocket(`wss://${addr}/`, {
          cert: fs.readFileSync(files.certFile),
          key: fs.readFileSync(files.keyFile),
          ca: fs.readFileSync(files.ca),
        });
  const texts: string[] = [];
  const waiters: ((text: string) => void)[] = [];
  let failure: Error | undefined;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const w of waiters.splice(0)) w(`!${err.message}`);
  };
  ws.on('message', (data, binary) => {
    if (binary) return;
    const text = (data as Buffer).toString('utf8');
    const waiter = waiters.shift();
    if (waiter === undefined) texts.push(text);
    else waiter(text);
  });
  ws.on('error', failAll);
  ws.on('close', (code) => {
    failAll(new Error(`well-behaved peer closed (${code})`));
  });
  const nextText = async (): Promise<string> => {
    const text =
      texts.shift() ??
      (failure === undefined ? await new Promise<string>((r) => waiters.push(r)) : undefined);
    if (text === undefined || text.startsWith('!')) throw failure ?? new Error('connection lost');
    return text;
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ instance_name: name, role: 'client', version: '1' }));
  await nextText();
  return {
    publish: async (channel) => {
      const id = newEnvelopeId(Date.now());
      const record = JSON.stringify({
        v: 1,
        id,
        ts: new Date().toISOString(),
        channel,
        origin: name,
        payload_type: 'Probe',
        payload: { id },
      });
      ws.send(frame([record]), { binary: true });
      const ack = JSON.parse(await nextText()) as { last_id?: string };
      if (ack.last_id !== id) throw new Error(`ack for ${String(ack.last_id)}, expected ${id}`);
      return id;
    },
    close: () => {
      ws.terminate();
    },
  };
}
