/**
 * A batch a hub cannot store closes the link with 1011 and no ack (the peer resends), and the error
 * is ERR_INBOUND_STORE_FAILED in the error family, its cause kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { frame } from '../support/raw-frames.js';
import { dialRawPeer, envelope, uuid } from '../support/raw-peer.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
});

const nodes: TestNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0).reverse()) await n.stop();
});

describe('a batch the hub cannot store', () => {
  it('closes the link with 1011 naming the channel, logged as ERR_INBOUND_STORE_FAILED', async () => {
    const logger = new MemoryLogger();
    const h = await startNode({ name: 'hub1', pki, hub: { allowedPeers: [{ name: 'a' }] }, logger });
    nodes.push(h);
    // A file where the channel's folder must go: the channel cannot be opened.
    fs.writeFileSync(path.join(h.dataDir, 'channels', 'blocked'), 'not a folder');
    const { ws, next, closed } = await dialRawPeer(h.hubAddr, pki, 'a');
    ws.send('{"instance_name":"a","role":"client","version":"1","subscribe":[]}');
    await next();
    ws.send(frame([envelope(uuid(1), 'blocked', { n: 1 })]), { binary: true });
    const { code, reason } = await closed;
    expect(code).toBe(1011);
    expect(reason).toMatch(/^storing 1 message\(s\) from a on channel blocked failed/);
    const [entry] = logger.find('inbound batch not stored');
    expect(hasErrorCode(entry?.fields['err'], ErrorCode.INBOUND_STORE_FAILED)).toBe(true);
  });
});
