/** Store `bench` across one hop: its authority on the hub, and a client store that reaches it through the hub. */
import { StreamStore } from '../src/index.js';
import type { BenchPki } from './pki.js';
import { openHop } from './rpc.js';

/** Runs `use` with the client's store of `bench` (authority `hub1` on a fresh hop), closing all after. */
export async function withRemoteStore<T>(
  pki: BenchPki,
  use: (client: StreamStore) => Promise<T>,
): Promise<T> {
  const hop = await openHop(pki, 'sk.bench._req');
  try {
    const authority = await StreamStore.open(hop.hub, { store: 'bench', rpc: hop.server });
    const client = await StreamStore.open(hop.client, {
      store: 'bench',
      authority: 'hub1',
      rpc: hop.requester,
    });
    try {
      return await use(client);
    } finally {
      await client.close();
      await authority.close();
    }
  } finally {
    await hop.close();
  }
}
