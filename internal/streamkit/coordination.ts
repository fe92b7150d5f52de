/**
 * A store's leases and workers on one instance (§8, §9): on the authority, the lease book and the
 * worker registry that decide, served on `sk.<store>._req`; elsewhere, the views read from the
 * forwarded `_leases` and `_workers` channels and a coordinator that asks the authority.
 */
import { RemoteCoordinator, type CoordinationRpc, type Coordinator } from './coordination-rpc.js';
import { coordinationHandlers, type CoordinationAuthority } from './coordination-serve.js';
import type { ControlHost } from './control-host.js';
import type { LeaseState } from './lease-table.js';
import { LeaseBook } from './leases.js';
import { requestChannel } from './names.js';
import { InventoryView } from './worker-inventory.js';
import { WorkerRegistry, type WorkerRegistration } from './worker-registry.js';

/** The coordinator of the authority itself: its own book and registry, no rpc. */
class LocalCoordinator implements Coordinator {
  readonly #a: CoordinationAuthority;
  readonly #origin: string;

  constructor(authority: CoordinationAuthority, origin: string) {
    this.#a = authority;
    this.#origin = origin;
  }

  acquire(key: string, holder: string, ttlSeconds: number): Promise<LeaseState> {
    return this.#a.leases.acquire(key, holder, ttlSeconds);
  }

  renew(key: string, holder: string, ttlSeconds: number): Promise<LeaseState> {
    return this.#a.leases.renew(key, holder, ttlSeconds);
  }

  release(key: string, holder: string): Promise<LeaseState> {
    return this.#a.leases.release(key, holder);
  }

  leases(key?: string): Promise<LeaseState[]> {
    const all = this.#a.leases.list();
    return Promise.resolve(key === undefined ? all : all.filter((s) => s.key === key));
  }

  join(
    workerId: string,
    metadata: Record<string, string> | undefined,
    intervalSeconds: number | undefined,
  ): Promise<WorkerRegistration> {
    return this.#a.workers.join(workerId, metadata, intervalSeconds, this.#origin);
  }

  renewWorker(workerId: string, registration: string): Promise<number> {
    try {
      return Promise.resolve(this.#a.workers.renew(workerId, registration));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  leave(workerId: string, registration: string): Promise<void> {
    return this.#a.workers.leave(workerId, registration);
  }
}

/** The leases and workers of one store on one instance. */
export class StoreCoordination {
  /** The leases as this instance knows them (decided here on the authority, followed elsewhere). */
  readonly leases: LeaseBook;
  /** The worker inventory as this instance reads it. */
  readonly inventory: InventoryView;
  /** Where operations go: the authority's own book, or rpc to it; undefined without either. */
  readonly coordinator: Coordinator | undefined;
  readonly #registry: WorkerRegistry | undefined;
  #stopServing: (() => Promise<void>) | undefined;

  private constructor(
    leases: LeaseBook,
    inventory: InventoryView,
    coordinator: Coordinator | undefined,
    registry: WorkerRegistry | undefined,
  ) {
    this.leases = leases;
    this.inventory = inventory;
    this.coordinator = coordinator;
    this.#registry = registry;
  }

  /**
   * Reads the store's `_leases` and `_workers` channels; on the authority, takes over the workers of
   * the last inventory and serves the request types on `rpc` (when given).
   */
  static async open(
    host: ControlHost,
    rpc: CoordinationRpc | undefined,
    timeoutMs: number,
  ): Promise<StoreCoordination> {
    const leases = await LeaseBook.open(host);
    const inventory = await InventoryView.open(host);
    if (!host.decides) {
      const remote =
        rpc === undefined || host.readOnly
          ? undefined
          : new RemoteCoordinator(rpc, requestChannel(host.store), host.authority, timeoutMs);
      return new StoreCoordination(leases, inventory, remote, undefined);
    }
    const workers = new WorkerRegistry(host, inventory.current);
    const authority = { leases, workers, inventory };
    const coordination = new StoreCoordination(
      leases,
      inventory,
      new LocalCoordinator(authority, host.authority),
      workers,
    );
    if (rpc !== undefined) {
      const stops: (() => Promise<void>)[] = [];
      for (const [type, handler] of coordinationHandlers(authority)) {
        const service = await rpc.serve(requestChannel(host.store), type, handler);
        stops.push(() => service.stop());
      }
      coordination.#stopServing = async () => {
        await Promise.all(stops.map((stop) => stop()));
      };
    }
    return coordination;
  }

  /** Stops serving, evicting and following. */
  async close(): Promise<void> {
    await this.#stopServing?.();
    this.#registry?.close();
    this.leases.close();
    this.inventory.close();
  }
}
