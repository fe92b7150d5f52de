/** The streamkit stores a daemon hosts (`streamkit.stores[]`), with the request/reply they serve and send through. */
import { StreamRpc, StreamStore, type Messenger, type MessengerConfig } from '../../../src/index.js';

/** The opened stores; `close()` closes them, then their StreamRpc. */
export interface HostedStores {
  readonly stores: readonly StreamStore[];
  /** The request/reply the stores serve and send through (none without stores). */
  readonly rpc: StreamRpc | undefined;
  close(): Promise<void>;
}

/**
 * Opens every configured store on `messenger` (each rebuilding its index; an authority replays its
 * leases and serves requests) with one StreamRpc shared by all. No store, no StreamRpc. When a store
 * cannot open, the ones already open are closed again before the error propagates.
 */
export async function openHostedStores(messenger: Messenger, config: MessengerConfig): Promise<HostedStores> {
  const configured = config.streamkit.stores;
  if (configured.length === 0) return { stores: [], rpc: undefined, close: () => Promise.resolve() };
  const rpc = await StreamRpc.open(messenger);
  const stores: StreamStore[] = [];
  const close = async (): Promise<void> => {
    try {
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await rpc.close();
    }
  };
  try {
    for (const entry of configured) {
      const store = await StreamStore.open(messenger, {
        store: entry.name,
        ...(entry.authority === '' ? {} : { authority: entry.authority }),
        rpc,
        requestTimeoutMs: entry.requestTimeoutMs,
      });
      stores.push(store);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { stores, rpc, close };
}
