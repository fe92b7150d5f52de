// What a hub verifies of what an allowed peer sends, played by a hand-written client: malformed
// ids, times and origins are refused, a route must end with the sending peer, and a record the peer
// relays without a route is stored with the peer on its route.
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLines, waitForAudit } from '../support/audit.js';
import { makePki, nodesStoppedAfterEach, type TestNode, type TestPki } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { frame } from '../support/raw-frames.js';
import { envelope, openRawPeer, storedLines, uuid } from '../support/raw-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
});

const startNode = nodesStoppedAfterEach();

/** A hub and peer `a` past its handshake; `send` sends one frame and resolves with its ack. */
async function hubAndPeer(): Promise<{ hub: TestNode; send: (records: string[]) => Promise<unknown> }> {
  const hub = await startNode({ name: 'hub1', pki, hub: {} });
  const peer = await openRawPeer(hub.hubAddr, pki.pairs.get('a')!, pki.ca);
  peer.ws.send('{"instance_name":"a","role":"client","version":"1"}');
  await peer.next();
  return {
    hub,
    send: async (records) => {
      peer.ws.send(frame(records), { binary: true });
      return JSON.parse((await peer.next()).data.toString()) as unknown;
    },
  };
}

/** `envelope(…)` with `field` replaced by `value` (raw JSON text). */
function withField(record: string, field: string, value: string): string {
  const parsed = JSON.parse(record) as Record<string, unknown>;
  parsed[field] = JSON.parse(value);
  return JSON.stringify(parsed);
}

describe('what a hub verifies of an allowed peer', () => {
  it.each([
    ['an empty id', 'id', '""', /id "" is not a canonical UUID/],
    ['a non-UUID id', 'id', '"id-1"', /id "id-1" is not a canonical UUID/],
    ['an uppercase UUID', 'id', '"0190A000-0000-7000-8000-000000000009"', /not a canonical UUID/],
    ['a time that is not RFC 3339', 'ts', '"yesterday"', /ts "yesterday" is not an RFC 3339 time/],
    ['a date that does not exist', 'ts', '"2026-02-30T00:00:00Z"', /is not an RFC 3339 time/],
    ['an hour out of range', 'ts', '"2026-02-03T24:00:00Z"', /is not an RFC 3339 time/],
    ['an empty origin', 'origin', '""', /origin is empty/],
    [
      'a route that does not end with the sender',
      'route',
      '["a","b"]',
      /does not end with the sending peer "a"/,
    ],
  ])('refuses a record with %s, and audits it', async (_what, field, value, reason) => {
    const { hub, send } = await hubAndPeer();
    const bad = withField(envelope(uuid(1), 'in', 1), field, value);
    const badId = (JSON.parse(bad) as { id: string }).id;
    const good = envelope(uuid(2), 'in', 2);
    expect(await send([bad, good])).toEqual({ last_id: uuid(2), refused: [badId] });
    const stored = storedLines(hub.dataDir, 'in');
    expect(stored.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(stored).toContain(uuid(2));
    await waitForAudit(hub.dataDir, { event: 'policy_violation', peer: 'a', channel: 'in' });
    const audited = auditLines(hub.dataDir).find((l) => l.event === 'policy_violation');
    expect(audited?.message_id ?? '').toBe(badId);
    expect(audited?.detail).toMatch(reason);
  });

  it('refuses a record parsed whole (not in the canonical shape) for the same reasons', async () => {
    const { hub, send } = await hubAndPeer();
    const payloadFirst = `{"payload":1,"v":1,"id":"not-a-uuid","ts":"2026-11-23T03:29:51Z","channel":"in","origin":"a","payload_type":"T"}`;
    expect(await send([payloadFirst])).toEqual({ last_id: 'not-a-uuid', refused: ['not-a-uuid'] });
    expect(storedLines(hub.dataDir, 'in')).toBe('');
  });

  it('accepts RFC 3339 times with an offset and without a fraction, and a route ending with the sender', async () => {
    const { hub, send } = await hubAndPeer();
    const records = [
      withField(envelope(uuid(1), 'in', 1), 'ts', '"2024-02-29T23:59:59+05:30"'),
      withField(envelope(uuid(2), 'in', 2), 'ts', '"2026-11-23T03:29:51Z"'),
      withField(envelope(uuid(3), 'in', 3), 'route', '["x","a"]'),
    ];
    expect(await send(records)).toEqual({ last_id: uuid(3) });
    expect(storedLines(hub.dataDir, 'in')).toContain('"route":["x","a","hub1"]');
  });

  it('stores a record the peer relays without a route (as a Go peer does) with the peer on its route', async () => {
    const { hub, send } = await hubAndPeer();
    const relayed = withField(envelope(uuid(1), 'in', 1), 'origin', '"b"');
    expect(await send([relayed])).toEqual({ last_id: uuid(1) });
    expect(storedLines(hub.dataDir, 'in')).toBe(
      `${relayed.replace(',"payload":', ',"route":["a","hub1"],"payload":')}\n`,
    );
    const got = collector();
    await hub.messenger.subscribe('in', 's', got.handler, { from: 'beginning' });
    await got.waitFor(1);
    expect(got.messages[0]).toMatchObject({ origin: 'b', route: ['a', 'hub1'] });
  });
});
