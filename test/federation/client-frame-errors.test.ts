// A hub that sends a malformed frame after the handshakes, played byte by byte over a real socket:
// the durable hub client and the ephemeral client close that connection with 1002, the durable one
// audits it, and both dial again; nothing throws.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EphemeralMessenger } from '../../src/index.js';
import { waitForAudit } from '../support/audit.js';
import { startNode, type TestNode } from '../support/cluster.js';
import { Opcode, encodeRawFrame } from '../support/raw-websocket.js';

const nodes: TestNode[] = [];
const clients: EphemeralMessenger[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const n of nodes.splice(0)) await n.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * A hub that accepts the upgrade, answers the client's handshake with its own, then sends an
 * RSV1 text frame (no extension was negotiated). `closeCodes` receives the code of each close frame
 * the client sends back; `connections` counts the dials.
 */
async function evilHub(): Promise<{ addr: string; closeCodes: number[]; connections: () => number }> {
  const closeCodes: number[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let greeted = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key =
          /sec-websocket-key: *(\S+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + WS_GUID)
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        upgraded = true;
        buffered = buffered.subarray(end + 4);
      }
      if (!greeted && buffered.length > 0) {
        greeted = true;
        buffered = Buffer.alloc(0);
        socket.write(
          encodeRawFrame({
            opcode: Opcode.text,
            masked: false,
            payload: Buffer.from('{"instance_name":"evil","role":"hub","version":"1"}'),
          }),
        );
        socket.write(
          encodeRawFrame({ opcode: Opcode.text, rsv: 4, masked: false, payload: Buffer.from('x') }),
        );
        return;
      }
      // The client's close frame: masked, its code in the first two payload bytes.
      if (greeted && buffered.length >= 8 && (buffered[0]! & 0x0f) === Opcode.close) {
        const mask = buffered.subarray(2, 6);
        closeCodes.push(((buffered[6]! ^ mask[0]!) << 8) | (buffered[7]! ^ mask[1]!));
        buffered = Buffer.alloc(0);
        socket.end();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { addr: `127.0.0.1:${port}`, closeCodes, connections: () => connections };
}

async function until(check: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!check()) throw new Error('not yet');
    },
    { timeout: 10_000, interval: 5 },
  );
}

describe('a malformed frame from the hub', () => {
  it('ends the durable link with 1002, is audited, and the client dials again', async () => {
    const hub = await evilHub();
    const node = await startNode({ name: 'edge', hubs: [{ addr: hub.addr, subscribe: ['alerts'] }] });
    nodes.push(node);
    await until(() => hub.closeCodes.length >= 1 && hub.connections() >= 2);
    expect(hub.closeCodes[0]).toBe(1002);
    const audited = await waitForAudit(node.dataDir, { event: 'protocol_error', peer: 'evil' });
    expect(audited.peer_addr).toBe(hub.addr);
    expect(audited.detail).toMatch(/^code=1002 .*RSV1/);
  });

  it('ends an ephemeral connection with 1002, and the client dials again', async () => {
    const hub = await evilHub();
    const em = new EphemeralMessenger({
      hubAddr: hub.addr,
      instanceName: 'edge',
      autoReconnect: true,
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
    });
    clients.push(em);
    await em.connect();
    await until(() => hub.closeCodes.length >= 1 && hub.connections() >= 2);
    expect(hub.closeCodes[0]).toBe(1002);
  });
});
