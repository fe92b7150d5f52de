/**
 * A stream is a channel, but deleting the stream never deletes records it did not write: DELETE is
 * refused (409) while the channel holds published or federated records, and a stream that expires
 * keeps them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { internalsOf } from '../../src/wiring/index.js';
import { startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { connected, makePki, startNode, type TestNode } from '../support/cluster.js';
import { FakeClock } from '../support/fake-clock.js';
import { post, put, startInstance } from './harness.js';

/** Every line of `channel` in the data dir of the instance. */
async function channelLines(
  messenger: Parameters<typeof internalsOf>[0],
  channel: string,
): Promise<string[]> {
  const log = await internalsOf(messenger).log(channel);
  const read = await log.read(log.start, 1 << 20);
  return read.data.toString('utf8').split('\n').filter(Boolean);
}

describe('deleting a stream whose channel holds records it did not write', () => {
  it('is refused with 409 when the library published on the channel, and loses nothing', async () => {
    const instance = await startInstance();
    try {
      await instance.messenger.publish('mixed', 'note', { before: true });
      expect((await put(instance.url('mixed'), 'text/plain')).status).toBe(201);
      expect((await post(instance.url('mixed'), 'text/plain', 'over-http')).status).toBe(204);
      await instance.messenger.publish('mixed', 'note', { after: true });

      const refused = await fetch(instance.url('mixed'), { method: 'DELETE' });
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain('holds 2 record(s) not written through this stream');
      const lines = await channelLines(instance.messenger, 'mixed');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain('"before":true');
      expect(lines[2]).toContain('"after":true');
      expect(await (await fetch(instance.url('mixed'))).text()).toBe('over-http{"after":true}\n');

      expect((await put(instance.url('own'), 'text/plain', 'x')).status).toBe(201);
      expect((await fetch(instance.url('own'), { method: 'DELETE' })).status).toBe(204);
    } finally {
      await instance.close();
    }
  });

  it('keeps the published records when the stream expires', async () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const instance = await startInstance({ messenger: { clock } });
    try {
      await put(instance.url('ttl'), 'text/plain', 'mine', { 'stream-ttl': '10' });
      await instance.messenger.publish('ttl', 'note', { published: 1 });
      await clock.advance(11_000);
      expect((await fetch(instance.url('ttl'), { method: 'HEAD' })).status).toBe(404);
      const lines = await channelLines(instance.messenger, 'ttl');
      expect(lines.some((line) => line.includes('"published":1'))).toBe(true);
    } finally {
      await instance.close();
    }
  });

  describe('over federation', () => {
    const nodes: TestNode[] = [];
    const endpoints: HttpEndpoint[] = [];
    afterEach(async () => {
      for (const endpoint of endpoints.splice(0)) await endpoint.close();
      for (const node of nodes.splice(0).reverse()) await node.stop();
    });

    it('refuses to delete the hub stream holding an edge stream’s records, even of the same payload types', async () => {
      const pki = await makePki(['hub', 'edge']);
      const hub = await startNode({ name: 'hub', pki, hub: { allowedPeers: [{ name: 'edge' }] } });
      nodes.push(hub);
      const edge = await startNode({ name: 'edge', pki, hubs: [{ addr: hub.hubAddr, publish: ['shared'] }] });
      nodes.push(edge);
      await connected(edge);
      const [hubHttp, edgeHttp] = await Promise.all(
        [hub, edge].map((node) => startHttpEndpoint(node.messenger, { listenAddr: '127.0.0.1:0' })),
      );
      endpoints.push(hubHttp!, edgeHttp!);
      const hubUrl = `${hubHttp!.url}/v1/stream/shared`;
      const edgeUrl = `${edgeHttp!.url}/v1/stream/shared`;
      expect((await put(hubUrl, 'text/plain')).status).toBe(201);
      expect((await put(edgeUrl, 'text/plain')).status).toBe(201);
      expect((await post(edgeUrl, 'text/plain', 'from-edge')).status).toBe(204);

      const arrived = await fetch(`${hubUrl}?offset=-1&live=long-poll`);
      expect(await arrived.text()).toBe('from-edge');
      const refused = await fetch(hubUrl, { method: 'DELETE' });
      expect(refused.status).toBe(409);
      const lines = await channelLines(hub.messenger, 'shared');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"origin":"edge"');
    });
  });
});
