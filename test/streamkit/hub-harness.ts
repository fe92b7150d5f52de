/** Store `orders` across a hub: the authority hub `hub1` and its client `alpha`, stopped after each test. */
import { afterEach, beforeAll } from 'vitest';
import { StreamRpc, StreamStore } from '../../src/index.js';
import {
  connected,
  makePki,
  startNode,
  type NodeOptions,
  type TestNode,
  type TestPki,
} from '../support/cluster.js';
import type { Closable } from '../support/closing.js';

/** What {@link acrossHub} gives a test file. */
export interface AcrossHub {
  /** What a test opens: closed (newest first) after each test, before the nodes stop. */
  readonly closing: Closable[];
  /** Store `orders` (authority `hub1`) on `node` over a new StreamRpc; closed after the test. */
  readonly storeOn: (node: TestNode, requestTimeoutMs?: number) => Promise<StreamStore>;
  /** Hub `hub1` and client `alpha` connected to it, both allowed the channels given to {@link acrossHub}. */
  readonly hubAndClient: () => Promise<{ hub: TestNode; client: TestNode }>;
  /** Starts a node (`hub1` or `alpha`) with the file's PKI; stopped after the test unless `stopsItself`. */
  readonly start: (options: Omit<NodeOptions, 'pki'>, stopsItself?: 'stopsItself') => Promise<TestNode>;
}

/**
 * Registers the PKI (`hub1`, `alpha`) and the after-each cleanup of a test file whose client `alpha` is
 * forwarded `subscribe` (besides its inbox) and may publish to the store's request channel.
 * With `ignoreCloseErrors`, a close or stop that fails after a test does not fail it.
 */
export function acrossHub(
  subscribe: readonly string[],
  options: { ignoreCloseErrors?: boolean } = {},
): AcrossHub {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makePki(['hub1', 'alpha']);
  });
  const closing: Closable[] = [];
  const nodes: TestNode[] = [];
  const settle = (done: Promise<void>): Promise<void> =>
    options.ignoreCloseErrors === true ? done.catch(() => undefined) : done;
  afterEach(async () => {
    for (const c of closing.splice(0).reverse()) await settle(c.close());
    for (const n of nodes.splice(0).reverse()) await settle(n.stop());
  });
  const channels = { subscribe: ['_inbox.alpha', ...subscribe], publish: ['sk.orders._req'] };
  return {
    closing,
    async storeOn(node, requestTimeoutMs) {
      const rpc = await StreamRpc.open(node.messenger);
      closing.push(rpc);
      const store = await StreamStore.open(node.messenger, {
        store: 'orders',
        authority: 'hub1',
        rpc,
        ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
      });
      closing.push(store);
      return store;
    },
    async hubAndClient() {
      const hub = await startNode({
        pki,
        name: 'hub1',
        hub: { allowedPeers: [{ name: 'alpha', ...channels }] },
      });
      nodes.push(hub);
      const client = await startNode({ pki, name: 'alpha', hubs: [{ addr: hub.hubAddr, ...channels }] });
      nodes.push(client);
      await connected(client);
      return { hub, client };
    },
    async start(nodeOptions, stopsItself) {
      const node = await startNode({ pki, ...nodeOptions });
      if (stopsItself === undefined) nodes.push(node);
      return node;
    },
  };
}
