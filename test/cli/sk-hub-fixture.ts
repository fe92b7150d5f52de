/** What the `sk` CLI tests through a hub share: an authority hub for store `orders`, and the flags to reach it. */
import { StreamRpc, StreamStore } from '../../src/index.js';
import { startNode, type TestNode, type TestPki } from '../support/cluster.js';
import type { Closable } from '../support/closing.js';
import { hubFlags } from './hub-flags.js';

/** Hub `hub1`, the authority of store `orders`, serving it to the client `operator`; closed after the test. */
export async function authorityHub(
  pki: TestPki,
  closing: Closable[],
): Promise<{ hub: TestNode; store: StreamStore }> {
  const hub = await startNode({
    name: 'hub1',
    pki,
    hub: {
      allowedPeers: [{ name: 'operator', subscribe: ['_inbox.operator'], publish: ['sk.orders._req'] }],
    },
  });
  closing.push({ close: () => hub.stop() });
  const rpc = await StreamRpc.open(hub.messenger);
  closing.push(rpc);
  const store = await StreamStore.open(hub.messenger, { store: 'orders', rpc });
  closing.push(store);
  return { hub, store };
}

/** `--hub … --cert … --key … --ca … --store orders`, as the client `operator`. */
export function operatorFlags(pki: TestPki, hub: { readonly hubAddr: string }): string[] {
  return [...hubFlags(pki, hub.hubAddr, 'operator'), '--store', 'orders'];
}
