/**
 * Leases in the `streamkit` group: an acquire followed by a release, awaited one after the other, on
 * the authority itself and from a client through one hub.
 */
import { Messenger, StreamStore } from '../src/index.js';
import { benchDir, cleanup } from './measure.js';
import type { BenchPki } from './pki.js';
import { latencies } from './rpc.js';
import { withRemoteStore } from './streamkit-hop.js';

const TTL_MS = 30_000;

/** p50/p99 (µs) of acquire + release of one key on `store`, after a warm-up. */
async function acquireRelease(store: StreamStore, samples: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) {
    await store.acquireLease('warm', 'bench', TTL_MS);
    await store.releaseLease('warm', 'bench');
  }
  return latencies(samples, async () => {
    const t0 = performance.now();
    await store.acquireLease('job', 'bench', TTL_MS);
    await store.releaseLease('job', 'bench');
    return performance.now() - t0;
  });
}

/** On the authority (each decision durable per the periodic sync policy before it answers). */
export async function leaseLocal(samples: number): Promise<number> {
  const dir = benchDir('sk-lease');
  const messenger = await Messenger.open({
    name: 'bench',
    storage: { dataDir: dir, syncPolicy: 'periodic' },
  });
  try {
    const store = await StreamStore.open(messenger, { store: 'bench' });
    try {
      return (await acquireRelease(store, samples)).p50;
    } finally {
      await store.close();
    }
  } finally {
    await messenger.close();
    cleanup(dir);
  }
}

/** From a client through the authority hub (two request/reply round trips). */
export async function leaseRemote(pki: BenchPki, samples: number): Promise<number> {
  return withRemoteStore(pki, async (client) => (await acquireRelease(client, samples)).p50);
}
