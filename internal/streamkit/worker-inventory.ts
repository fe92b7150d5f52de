/**
 * Worker inventories (§9): the full snapshots the authority appends to `sk.<store>._workers`, and the
 * view every instance keeps by reading that channel (the last snapshot wins), which observers
 * subscribe to.
 */
import type { Envelope } from '../envelope/index.js';
import { ControlChannel } from './control-channel.js';
import type { ControlHost } from './control-host.js';
import { workersChannel } from './names.js';

/** Payload type of an inventory snapshot. */
export const INVENTORY_TYPE = 'streamkit.worker-inventory.v1';

/** What made the authority write a snapshot. */
export type InventoryEvent = 'joined' | 'left' | 'evicted' | 'replaced';

/** One registered worker. */
export interface WorkerInfo {
  /** The worker's id, chosen by the worker. */
  workerId: string;
  /** The worker's metadata. */
  metadata: Record<string, string>;
  /** Unix ms (authority clock) of its join or last renewal, as of the snapshot. */
  lastSeenAt: number;
  /** The instance it joined from. */
  origin: string;
  /** The registration id the authority gave this join; renewals and leave name it. */
  registration: string;
  /** Its renewal interval, seconds (1-300). */
  heartbeatIntervalSeconds: number;
}

/** The whole inventory of a store at one moment. */
export interface WorkerInventory {
  /** The workers, sorted by id (UTF-8 byte order). */
  workers: WorkerInfo[];
  /** Unix ms (authority clock) of the snapshot; 0 for the empty inventory of a store that has none. */
  timestamp: number;
  /** +1 per snapshot of the store; 0 before the first. */
  version: number;
  /** The change this snapshot records, when any. */
  change?: { event: InventoryEvent; workerId: string };
}

/** Called with the full inventory, on subscribe and after every change. */
export type InventoryHandler = (inventory: WorkerInventory) => void;

/** The inventory of a store that never had a worker. */
export const EMPTY_INVENTORY: WorkerInventory = { workers: [], timestamp: 0, version: 0 };

/** The last inventory of a store on one instance, as read from its `_workers` channel. */
export class InventoryView {
  readonly #host: ControlHost;
  readonly #handlers = new Set<InventoryHandler>();
  #current: WorkerInventory = EMPTY_INVENTORY;
  #reader: ControlChannel | undefined;

  private constructor(host: ControlHost) {
    this.#host = host;
  }

  /** Reads the channel to its end and follows it (unless read-only). */
  static async open(host: ControlHost): Promise<InventoryView> {
    const view = new InventoryView(host);
    const log = await host.log(workersChannel(host.store));
    if (log === undefined) return view;
    view.#reader = await ControlChannel.read(log, (env) => {
      view.#onRecord(env);
    });
    if (!host.readOnly) view.#reader.follow(host.logger);
    return view;
  }

  /** The latest inventory read. */
  get current(): WorkerInventory {
    return this.#current;
  }

  /** Calls `handler` with the current inventory now, then with every later one; returns the unsubscribe. */
  subscribe(handler: InventoryHandler): () => void {
    handler(this.#current);
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Stops following. */
  close(): void {
    this.#reader?.stop();
    this.#handlers.clear();
  }

  #onRecord(env: Envelope): void {
    if (env.payload_type !== INVENTORY_TYPE) return;
    if (this.#host.authority !== '' && env.origin !== this.#host.authority) {
      this.#host.logger.warn(
        { channel: env.channel, origin: env.origin },
        'worker inventory from an instance that is not the authority ignored',
      );
      return;
    }
    const inventory = inventoryFromWire(env.payload);
    if (inventory === undefined || inventory.version <= this.#current.version) return;
    this.#current = inventory;
    for (const handler of this.#handlers) handler(inventory);
  }
}

interface WireWorker {
  worker_id: string;
  metadata: Record<string, string>;
  last_seen_at: number;
  origin: string;
  registration: string;
  heartbeat_interval_seconds: number;
}

/** An inventory as it travels. */
export interface WireInventory {
  workers: WireWorker[];
  timestamp: number;
  version: number;
  change?: { event: InventoryEvent; worker_id: string };
}

/** An inventory as it travels. */
export function inventoryToWire(inventory: WorkerInventory): WireInventory {
  return {
    workers: inventory.workers.map((w) => ({
      worker_id: w.workerId,
      metadata: w.metadata,
      last_seen_at: w.lastSeenAt,
      origin: w.origin,
      registration: w.registration,
      heartbeat_interval_seconds: w.heartbeatIntervalSeconds,
    })),
    timestamp: inventory.timestamp,
    version: inventory.version,
    ...(inventory.change === undefined
      ? {}
      : { change: { event: inventory.change.event, worker_id: inventory.change.workerId } }),
  };
}

/** Reads an inventory; undefined when malformed. */
export function inventoryFromWire(value: unknown): WorkerInventory | undefined {
  const w = value as Partial<WireInventory> | null;
  if (w === null || typeof w !== 'object' || !Array.isArray(w.workers)) return undefined;
  if (typeof w.timestamp !== 'number' || typeof w.version !== 'number') return undefined;
  const workers: WorkerInfo[] = [];
  for (const item of w.workers as Partial<WireWorker>[]) {
    if (typeof item.worker_id !== 'string' || typeof item.registration !== 'string') return undefined;
    workers.push({
      workerId: item.worker_id,
      metadata: item.metadata ?? {},
      lastSeenAt: typeof item.last_seen_at === 'number' ? item.last_seen_at : 0,
      origin: typeof item.origin === 'string' ? item.origin : '',
      registration: item.registration,
      heartbeatIntervalSeconds:
        typeof item.heartbeat_interval_seconds === 'number' ? item.heartbeat_interval_seconds : 0,
    });
  }
  const inventory: WorkerInventory = { workers, timestamp: w.timestamp, version: w.version };
  const change = w.change;
  if (change !== undefined && typeof change.worker_id === 'string') {
    inventory.change = { event: change.event, workerId: change.worker_id };
  }
  return inventory;
}
