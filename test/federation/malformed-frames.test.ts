// Malformed WebSocket frames from authenticated peers, written byte by byte over real TLS sockets to
// a real hub: each bad connection is closed with the code RFC 6455 names and audited, and the hub
// keeps serving a well-behaved peer (it used to die of an unhandled 'error' event).
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLines, waitForAudit } from '../support/audit.js';
import { makePki, nodesStoppedAfterEach, type TestNode, type TestPki } from '../support/cluster.js';
import {
  Opcode,
  connectRaw,
  encodeRawFrame,
  openRawWebSocket,
  type RawFrame,
} from '../support/raw-websocket.js';
import { connectWellBehavedPeer } from '../support/well-behaved-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a', 'good', 'stranger']);
});

const startNode = nodesStoppedAfterEach();

async function hub(): Promise<TestNode> {
  const n = await startNode({ name: 'hub1', pki, hub: { allowedPeers: [{ name: 'a' }, { name: 'good' }] } });
  return n;
}

function files(name: string): { certFile: string; keyFile: string; ca: string } {
  return { ...pki.pairs.get(name)!, ca: pki.ca };
}

const text = (s: string): Buffer => Buffer.from(s);

/** Each case: the frames sent right after the upgrade and the close code the hub must answer with. */
const CASES: { name: string; frames: RawFrame[]; code: number }[] = [
  {
    name: 'an unmasked frame',
    frames: [{ opcode: Opcode.text, payload: text('{}'), masked: false }],
    code: 1002,
  },
  { name: 'a reserved data opcode', frames: [{ opcode: 3, payload: text('x') }], code: 1002 },
  { name: 'a reserved control opcode', frames: [{ opcode: 0xb }], code: 1002 },
  {
    name: 'RSV1 without an extension',
    frames: [{ opcode: Opcode.text, rsv: 4, payload: text('x') }],
    code: 1002,
  },
  { name: 'RSV2 and RSV3', frames: [{ opcode: Opcode.binary, rsv: 3, payload: text('x') }], code: 1002 },
  {
    name: 'invalid UTF-8 text',
    frames: [{ opcode: Opcode.text, payload: Buffer.from([0xc3, 0x28, 0xff]) }],
    code: 1007,
  },
  {
    name: 'a continuation frame first',
    frames: [{ opcode: Opcode.continuation, payload: text('x') }],
    code: 1002,
  },
  {
    name: 'a declared length beyond 2^53',
    frames: [{ opcode: Opcode.binary, declaredLength: 2n ** 63n - 1n }],
    code: 1009,
  },
  {
    name: 'a declared length beyond the frame limit',
    frames: [{ opcode: Opcode.binary, declaredLength: 2n ** 40n }],
    code: 1009,
  },
  {
    name: 'a control frame over 125 bytes',
    frames: [{ opcode: Opcode.ping, payload: Buffer.alloc(200) }],
    code: 1002,
  },
  { name: 'a fragmented control frame', frames: [{ opcode: Opcode.ping, fin: false }], code: 1002 },
  {
    name: 'a new message inside a fragmented one',
    frames: [
      { opcode: Opcode.text, fin: false, payload: text('{') },
      { opcode: Opcode.text, payload: text('}') },
    ],
    code: 1002,
  },
  {
    name: 'a close frame with a reserved code',
    frames: [{ opcode: Opcode.close, payload: Buffer.from([0x03, 0xe7]) }],
    code: 1002,
  },
  {
    name: 'a close frame of one byte',
    frames: [{ opcode: Opcode.close, payload: Buffer.from([3]) }],
    code: 1002,
  },
];

describe('malformed WebSocket frames from an authenticated peer', () => {
  it.each(CASES)(
    'closes a peer that sends $name right after the upgrade ($code), audits it, and keeps serving',
    async (c) => {
      const h = await hub();
      const bad = await openRawWebSocket(h.hubAddr, files('a'));
      for (const f of c.frames) bad.write(encodeRawFrame(f));
      expect(await bad.closeCode).toBe(c.code);
      const audited = await waitForAudit(h.dataDir, { event: 'protocol_error', peer: 'a' });
      expect(audited.peer_addr).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(audited.detail).toContain(`code=${c.code}`);

      const good = await connectWellBehavedPeer(h.hubAddr, 'good', files('good'));
      await good.publish('inbox');
      good.close();
      expect(h.messenger.stats().channels['inbox']!.endOffset).toBeGreaterThan(0);
    },
  );

  it('closes and audits a malformed frame in the middle of a session', async () => {
    const h = await hub();
    const bad = await openRawWebSocket(h.hubAddr, files('a'));
    bad.write(
      encodeRawFrame({
        opcode: Opcode.text,
        payload: text('{"instance_name":"a","role":"client","version":"1"}'),
      }),
    );
    bad.write(encodeRawFrame({ opcode: Opcode.binary, masked: false, payload: Buffer.alloc(8) }));
    expect(await bad.closeCode).toBe(1002);
    await waitForAudit(h.dataDir, { event: 'protocol_error', peer: 'a' });
    await waitForAudit(h.dataDir, { event: 'peer_disconnected', peer: 'a' });
    const good = await connectWellBehavedPeer(h.hubAddr, 'good', files('good'));
    await good.publish('inbox');
    good.close();
  });

  it.each([
    { what: 'bad HTTP', request: 'GARBAGE / HTTP/1.1\r\n\r\n', detail: /^http HPE_INVALID_METHOD: / },
    {
      what: 'an upgrade request with a bad WebSocket version',
      request:
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n\r\n',
      detail: /^upgrade: .*Sec-WebSocket-Version/,
    },
  ])('answers $what before the upgrade with 400, closes it and audits it', async ({ request, detail }) => {
    const h = await hub();
    const socket = await connectRaw(h.hubAddr, files('a'));
    const port = socket.localPort;
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.write(request);
    await new Promise((r) => socket.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const audited = await waitForAudit(h.dataDir, {
      event: 'protocol_error',
      peer_addr: `127.0.0.1:${port}`,
    });
    expect(audited.detail).toMatch(detail);
    const good = await connectWellBehavedPeer(h.hubAddr, 'good', files('good'));
    await good.publish('inbox');
    good.close();
  });

  it('survives a malformed frame from a CA-signed peer that is not in the allowlist', async () => {
    const h = await hub();
    const bad = await openRawWebSocket(h.hubAddr, files('stranger'));
    bad.write(encodeRawFrame({ opcode: 3, payload: text('x') }));
    // The allowlist refusal goes out first; the frame error after it must not take the hub down.
    expect(await bad.closeCode).toBe(4403);
    await waitForAudit(h.dataDir, { event: 'client_rejected', peer: 'stranger' });
    await bad.closed;
    const good = await connectWellBehavedPeer(h.hubAddr, 'good', files('good'));
    await good.publish('inbox');
    good.close();
    await waitForAudit(h.dataDir, { event: 'client_connected', peer: 'good' });
    expect(
      auditLines(h.dataDir).filter((l) => l.event === 'client_connected' && l.peer === 'stranger'),
    ).toEqual([]);
  });
});
