/**
 * The floor of federation.publish.*: a hub that stores nothing. It speaks the wire protocol over
 * mutual TLS (handshake, frames, acks, several frames in flight) and acknowledges every frame as soon
 * as it has counted its records, so a client measured against it shows what the client side and the
 * transport alone reach on this machine.
 *
 * argv[2] is a JSON `{ certFile, keyFile, caFile }`. It prints its address, then answers
 * `wait <channel> <count>` on stdin with `ok` once that many records arrived in all (the channel is
 * not checked; the command has node-child.ts's form).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import readline from 'node:readline';
import { WebSocketServer } from 'ws';
import {
  MAX_FRAMES_IN_FLIGHT,
  MAX_IN_FLIGHT_FIELD,
  PROTOCOL_VERSION,
  ROLE_HUB,
  decodeFrame,
  encodeAck,
  encodeHandshake,
} from '../internal/federation/protocol/index.js';
import { loadMutualTlsOptions, type MutualTlsFiles } from '../internal/tlsutil/index.js';

const tls = await loadMutualTlsOptions(JSON.parse(process.argv[2] ?? '{}') as MutualTlsFiles);
const server = https.createServer({ ...tls, requestCert: true, rejectUnauthorized: true });
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 2 ** 20 });

let received = 0;
let wanted = Infinity;
let reached: (() => void) | undefined;

wss.on('connection', (ws) => {
  let greeted = false;
  ws.on('message', (data: Buffer, isBinary) => {
    if (!greeted) {
      greeted = true;
      ws.send(
        encodeHandshake({
          instance_name: 'ack-hub',
          role: ROLE_HUB,
          version: PROTOCOL_VERSION,
          [MAX_IN_FLIGHT_FIELD]: MAX_FRAMES_IN_FLIGHT,
        }),
      );
      return;
    }
    if (!isBinary) return;
    received += decodeFrame(data, 0).records.length;
    ws.send(encodeAck({ last_id: '' }));
    if (received >= wanted) reached?.();
  });
});

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`127.0.0.1:${(server.address() as AddressInfo).port}\n`);

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const words = line.split(' ');
  if (words[0] !== 'wait') return;
  wanted = Number(words[words.length - 1]);
  void new Promise<void>((resolve) => {
    reached = resolve;
    if (received >= wanted) resolve();
  }).then(() => process.stdout.write('ok\n'));
});
lines.on('close', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close();
});
