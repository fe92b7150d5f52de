// The federation part of `/metrics`: links to hubs and peers of a hub, over real mutual TLS.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpEndpoint } from '../../src/index.js';
import { send } from '../http/client.js';
import { connected, makePki, nodesStoppedAfterEach, type TestPki } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';

const node = nodesStoppedAfterEach();

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
});

describe('GET /metrics: federation links', () => {
  it('shows the state, connects and acks of a link to a hub, and the peers of the hub', async () => {
    const hub = await node({ name: 'hub1', pki, hub: {} });
    const a = await node({ name: 'a', pki, hubs: [{ addr: hub.hubAddr, publish: ['alerts'] }] });
    await connected(a);
    const atHub = collector();
    await hub.messenger.subscribe('alerts', 'hub-sub', atHub.handler);
    await a.messenger.publish('alerts', 'Alert', { n: 1 });
    await atHub.waitFor(1);
    const scrape = async (messenger: typeof a.messenger) => {
      const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0' });
      try {
        return parsePrometheusText((await send(`${endpoint.url}/metrics`)).body);
      } finally {
        await endpoint.close();
      }
    };
    const link = `hub:${hub.hubAddr}`;
    // The ack may reach `a` just after the hub stored the record.
    await vi.waitFor(async () => {
      expect(sampleValue(await scrape(a.messenger), 'keyop_federation_link_acks_total', { link })).toBe(1);
    });
    const atA = await scrape(a.messenger);
    expect(sampleValue(atA, 'keyop_federation_link_state', { link, state: 'connected' })).toBe(1);
    expect(sampleValue(atA, 'keyop_federation_link_state', { link, state: 'refused' })).toBe(0);
    expect(sampleValue(atA, 'keyop_federation_link_connects_total', { link })).toBe(1);
    expect(sampleValue(atA, 'keyop_federation_link_frames_in_flight', { link })).toBe(0);
    expect(atA.get('keyop_federation_link_refusal_info')?.samples).toEqual([]);
    const atHub1 = await scrape(hub.messenger);
    expect(sampleValue(atHub1, 'keyop_federation_hub_peers')).toBe(1);
    expect(sampleValue(atHub1, 'keyop_federation_link_records_in_flight', { link: 'peer:a' })).toBe(0);

    // The hub goes away: the link's last error is reported, with when.
    expect(atA.get('keyop_federation_link_last_error_timestamp_seconds')?.samples).toEqual([]);
    const before = Date.now() / 1000;
    await hub.stop();
    await vi.waitFor(() => {
      expect(a.messenger.stats().federation?.clients[0]?.lastError).toBeDefined();
    });
    const [failure] =
      (await scrape(a.messenger)).get('keyop_federation_link_last_error_timestamp_seconds')?.samples ?? [];
    expect(failure?.labels.link).toBe(link);
    // The message of a lost connection or of a failed redial, whichever came last.
    expect(failure?.labels.error).toMatch(/\w/);
    expect(failure?.value).toBeGreaterThanOrEqual(Math.floor(before));
  });
});
