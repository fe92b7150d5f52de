// `http.readiness_hubs`: whether links to hubs gate `/readyz` (plain ws:// federation on 127.0.0.1).
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Messenger, startHttpEndpoint, type HttpEndpoint } from '../../src/index.js';
import { nodesStoppedAfterEach } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { send } from './client.js';

const node = nodesStoppedAfterEach();
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

/** A client of the hub at `hubAddr`, with its ready endpoint. */
async function clientOf(
  hubAddr: string,
  readinessHubs: 'not_refused' | 'connected' | 'ignore',
): Promise<HttpEndpoint> {
  const messenger = await Messenger.open({
    name: 'a',
    storage: { dataDir: path.join(tempDir('keyop-ready-'), 'data') },
    client: { enabled: true, hubs: [{ addr: hubAddr }] },
    federation: { insecurePlaintext: true, reconnectBaseMs: 20, reconnectMaxMs: 200 },
    http: { readinessHubs },
  });
  opened.push(messenger);
  const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0' });
  opened.push(endpoint);
  endpoint.setReady(true);
  return endpoint;
}

const readyz = async (endpoint: HttpEndpoint): Promise<number> =>
  (await send(`${endpoint.url}/readyz`)).status;

describe('/readyz and the links to hubs', () => {
  it('connected: unready until every hub is connected, ready once it is, unready when it goes', async () => {
    const hub = await node({ name: 'hub1', hub: {} });
    await hub.stop();
    const endpoint = await clientOf(hub.hubAddr, 'connected');
    expect(await readyz(endpoint)).toBe(503);
    await hub.restart();
    await vi.waitFor(async () => {
      expect(await readyz(endpoint)).toBe(200);
    });
    await hub.stop();
    await vi.waitFor(async () => {
      expect(await readyz(endpoint)).toBe(503);
    });
  });

  it('not_refused (the default) and ignore: an unreachable hub keeps the instance ready', async () => {
    const hub = await node({ name: 'hub1', hub: {} });
    await hub.stop();
    expect(await readyz(await clientOf(hub.hubAddr, 'not_refused'))).toBe(200);
    expect(await readyz(await clientOf(hub.hubAddr, 'ignore'))).toBe(200);
  });
});
