// What federation links log when a peer misbehaves or a link goes away: the level, the code and the
// message, read from a capturing logger on a real hub over mutual TLS on 127.0.0.1.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { internalsOf } from '../../src/wiring/index.js';
import { auditLines } from '../support/audit.js';
import { makePki, nodesStoppedAfterEach, type TestPki } from '../support/cluster.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { frame } from '../support/raw-frames.js';
import { dialRawPeer } from '../support/raw-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
});

const node = nodesStoppedAfterEach();

/** A frame whose only record declares 10 bytes and carries 2. */
const TRUNCATED_FRAME = Buffer.from([0, 0, 0, 10, 0x61, 0x62]);

describe('federation link logs', () => {
  it('logs a truncated frame as the peer’s protocol error, and a link lost under a sender as info', async () => {
    const log = new MemoryLogger();
    const hub = await node({ name: 'hub1', pki, hub: {}, logger: log });
    const peer = await dialRawPeer(hub.hubAddr, pki, 'a');
    peer.ws.send(
      '{"instance_name":"a","role":"client","version":"1","subscribe":["alerts"],"max_in_flight":4}',
    );
    await peer.next();
    await hub.messenger.publish('alerts', 'A', 1);
    expect((await peer.next()).binary).toBe(true); // left unacknowledged

    peer.ws.send(TRUNCATED_FRAME, { binary: true });
    peer.ws.pause(); // the peer never answers the hub's close: the link stays closing
    await vi.waitFor(() => {
      expect(log.find('malformed frame')).toHaveLength(1);
    });
    const [malformed] = log.find('malformed frame');
    expect(malformed).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('from federation peer "a"') as string,
      fields: { peer: 'a', problem: expect.stringContaining('truncated body of record 0') as string },
    });
    expect(malformed?.fields).not.toHaveProperty('err');

    // The sender wakes for a new record and writes it to the closing link.
    await hub.messenger.publish('alerts', 'A', 2);
    await vi.waitFor(() => {
      expect(log.find('federation link lost while sending')).toHaveLength(1);
    });
    const [lost] = log.find('federation link lost while sending');
    expect(lost).toMatchObject({ level: 'info', fields: { peer: 'a', channel: 'alerts' } });
    expect(lost?.fields).not.toHaveProperty('err');
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);

    peer.ws.resume();
    expect(await peer.closed).toMatchObject({ code: 1002 });
  });

  it('logs a frame of thousands of invalid records in a few lines, counting and auditing every one', async () => {
    const log = new MemoryLogger();
    const hub = await node({ name: 'hub1', pki, hub: {}, logger: log });
    const peer = await dialRawPeer(hub.hubAddr, pki, 'a');
    peer.ws.send('{"instance_name":"a","role":"client","version":"1"}');
    await peer.next();
    const records = [...Array<string>(5000).fill(''), '{"v":1}'];
    peer.ws.send(frame(records), { binary: true });
    expect((await peer.next()).data.toString()).toBe('{"last_id":""}');

    const skipped = log.find('skipping invalid inbound record');
    expect(skipped).toHaveLength(10);
    for (const entry of skipped) {
      expect(entry).toMatchObject({ level: 'warn', fields: { peer: 'a' } });
      expect(entry.fields).not.toHaveProperty('err');
    }
    const counters = internalsOf(hub.messenger).federation()?.hub?.session('a')?.receiver.counters;
    expect(counters?.invalid).toBe(5001);
    await vi.waitFor(() => {
      expect(auditLines(hub.dataDir).filter((l) => l.event === 'invalid_dropped')).toMatchObject([
        { peer: 'a', direction: 'inbound', detail: expect.stringMatching(/^count=5001 first=/) as string },
      ]);
    });

    await hub.stop(); // a close writes the summary of the interval under way
    expect(log.find('skipping invalid inbound record (suppressed 4991 similar lines')).toHaveLength(1);
    expect(log.entries.length).toBeLessThan(40);
  });

  it('logs a durable link that cannot reach its hub with ERR_LINK_LOST, without a stack', async () => {
    const log = new MemoryLogger();
    const client = await node({
      name: 'a',
      pki,
      hubs: [{ addr: '127.0.0.1:1', publish: ['x'] }],
      logger: log,
    });
    await vi.waitFor(() => {
      expect(log.find('cannot connect to hub')).not.toHaveLength(0);
    });
    const [entry] = log.find('cannot connect to hub');
    expect(entry).toMatchObject({
      level: 'warn',
      fields: { code: 'ERR_LINK_LOST', reason: expect.stringContaining('ECONNREFUSED') as string },
    });
    expect(entry?.fields).not.toHaveProperty('err');
    expect(client.clients()[0]?.state).not.toBe('connected');
  });
});
