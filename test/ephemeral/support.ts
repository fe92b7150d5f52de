/** Fixtures of the ephemeral client tests: a hub node with mTLS, and clients closed after each test. */
import { afterEach, vi } from 'vitest';
import {
  EphemeralMessenger,
  type EphemeralConfig,
  type EphemeralMessengerOptions,
  type EphemeralState,
} from '../../src/index.js';
import { startNode, type NodeOptions, type TestNode, type TestPki } from '../support/cluster.js';

const nodes: TestNode[] = [];
const clients: EphemeralMessenger[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => undefined);
});

/** Starts a hub named `hub1` (stopped after the test). */
export async function startHub(pki: TestPki, opts: Partial<NodeOptions> = {}): Promise<TestNode> {
  const node = await startNode({ name: 'hub1', pki, hub: {}, ...opts });
  nodes.push(node);
  return node;
}

/** An ephemeral client with the certificate of `name` (closed after the test). */
export function client(
  pki: TestPki,
  name: string,
  hub: TestNode,
  config: Partial<EphemeralConfig> = {},
  options: EphemeralMessengerOptions = {},
): EphemeralMessenger {
  const pair = pki.pairs.get(name)!;
  const em = new EphemeralMessenger(
    {
      hubAddr: hub.hubAddr,
      tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      ...config,
    },
    options,
  );
  clients.push(em);
  return em;
}

/** Waits until `em` is in `state`. */
export async function waitForState(em: EphemeralMessenger, state: EphemeralState): Promise<void> {
  await vi.waitFor(
    () => {
      if (em.state !== state) throw new Error(`state is ${em.state}, waiting for ${state}`);
    },
    { timeout: 10_000, interval: 5 },
  );
}
