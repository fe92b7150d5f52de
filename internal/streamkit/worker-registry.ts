/**
 * Worker presence on the authority (§9): joins, renewals and leaves by the authority's clock,
 * eviction of workers not seen for max(3 × interval, 30 s), and a full inventory snapshot appended to
 * `sk.<store>._workers` after every join, leave, replacement and eviction (renewals publish nothing).
 */
import { randomUUID } from 'node:crypto';
import type { TimerHandle } from '../clock/index.js';
import type { ControlHost } from './control-host.js';
import { badRequest, WorkerGoneError } from './errors.js';
import { workersChannel } from './names.js';
import { byUtf8Bytes } from './space-index.js';
import {
  INVENTORY_TYPE,
  inventoryToWire,
  type InventoryEvent,
  type WorkerInfo,
  type WorkerInventory,
} from './worker-inventory.js';

/** Renewal interval when a worker names none, seconds. */
export const DEFAULT_HEARTBEAT_SECONDS = 30;
const MIN_HEARTBEAT_SECONDS = 1;
const MAX_HEARTBEAT_SECONDS = 300;
/** The shortest eviction delay, seconds. */
const MIN_EVICTION_SECONDS = 30;
/** How often the authority looks for workers to evict. */
const SWEEP_INTERVAL_MS = 1000;
const MAX_ID_BYTES = 1024;

/** What a join answers. */
export interface WorkerRegistration {
  workerId: string;
  /** The id of this registration; renewals and leave name it. */
  registration: string;
  /** The interval the worker must renew at (its request, clamped), seconds. */
  heartbeatIntervalSeconds: number;
  /** How long without a renewal before the authority evicts it, ms. */
  evictAfterMs: number;
}

/** The interval a worker renews at: default 30 s, rounded and clamped to 1-300 s. */
export function heartbeatSeconds(requested: number | undefined): number {
  if (requested === undefined || requested === 0 || !Number.isFinite(requested)) {
    return DEFAULT_HEARTBEAT_SECONDS;
  }
  return Math.min(MAX_HEARTBEAT_SECONDS, Math.max(MIN_HEARTBEAT_SECONDS, Math.round(requested)));
}

/** How long a worker renewing every `seconds` may stay unseen: max(3 × interval, 30 s), in ms. */
export function evictionDelayMs(seconds: number): number {
  return Math.max(3 * seconds, MIN_EVICTION_SECONDS) * 1000;
}

/** Throws 4000 unless `workerId` is 1-1024 UTF-8 bytes and `metadata` an object of strings. */
export function validateWorker(workerId: unknown, metadata: unknown): asserts workerId is string {
  if (typeof workerId !== 'string' || workerId === '') throw badRequest('worker_id is required');
  if (Buffer.byteLength(workerId) > MAX_ID_BYTES) {
    throw badRequest(`worker_id must be at most ${MAX_ID_BYTES} UTF-8 bytes`);
  }
  if (metadata === undefined) return;
  if (
    metadata === null ||
    typeof metadata !== 'object' ||
    Array.isArray(metadata) ||
    Object.values(metadata).some((v) => typeof v !== 'string')
  ) {
    throw badRequest('worker metadata must be an object of strings');
  }
}

/** The registered workers of one store, on its authority. */
export class WorkerRegistry {
  readonly #host: ControlHost;
  readonly #channel: string;
  readonly #workers = new Map<string, WorkerInfo>();
  readonly #sweep: TimerHandle;
  #version: number;

  /**
   * @param host - the store's side
   * @param last - the last snapshot in the channel: its workers stay registered, as seen now (they
   *   could not renew while the authority was down)
   */
  constructor(host: ControlHost, last: WorkerInventory) {
    this.#host = host;
    this.#channel = workersChannel(host.store);
    this.#version = last.version;
    const now = host.clock.now();
    for (const w of last.workers) this.#workers.set(w.workerId, { ...w, lastSeenAt: now });
    this.#sweep = host.clock.setInterval(() => {
      this.#evictUnseen();
    }, SWEEP_INTERVAL_MS);
  }

  /** Registers (or re-registers, replacing an earlier join of the same id) a worker. */
  async join(
    workerId: string,
    metadata: Record<string, string> | undefined,
    intervalSeconds: number | undefined,
    origin: string,
  ): Promise<WorkerRegistration> {
    validateWorker(workerId, metadata);
    const seconds = heartbeatSeconds(intervalSeconds);
    const replaced = this.#workers.has(workerId);
    const info: WorkerInfo = {
      workerId,
      metadata: { ...metadata },
      lastSeenAt: this.#host.clock.now(),
      origin,
      registration: randomUUID(),
      heartbeatIntervalSeconds: seconds,
    };
    this.#workers.set(workerId, info);
    await this.#publish(replaced ? 'replaced' : 'joined', workerId);
    return {
      workerId,
      registration: info.registration,
      heartbeatIntervalSeconds: seconds,
      evictAfterMs: evictionDelayMs(seconds),
    };
  }

  /** Marks the worker seen now; publishes nothing. Returns the time seen. */
  renew(workerId: string, registration: string): number {
    const info = this.#registered(workerId, registration);
    info.lastSeenAt = this.#host.clock.now();
    return info.lastSeenAt;
  }

  /** Removes the worker. */
  async leave(workerId: string, registration: string): Promise<void> {
    this.#registered(workerId, registration);
    this.#workers.delete(workerId);
    await this.#publish('left', workerId);
  }

  /** Stops evicting. */
  close(): void {
    this.#sweep.clear();
  }

  #registered(workerId: string, registration: string): WorkerInfo {
    validateWorker(workerId, undefined);
    // A request without a registration is malformed, not a worker another join replaced.
    if (registration === '') throw badRequest('registration is required');
    const info = this.#workers.get(workerId);
    if (info === undefined) throw new WorkerGoneError(workerId, 'unknown');
    if (info.registration !== registration) throw new WorkerGoneError(workerId, 'replaced');
    return info;
  }

  #evictUnseen(): void {
    const now = this.#host.clock.now();
    for (const info of [...this.#workers.values()]) {
      if (now - info.lastSeenAt < evictionDelayMs(info.heartbeatIntervalSeconds)) continue;
      this.#workers.delete(info.workerId);
      this.#host.logger.info(
        { store: this.#host.store, worker: info.workerId, last_seen_at: info.lastSeenAt },
        'worker evicted: not seen',
      );
      this.#publish('evicted', info.workerId).catch((err: unknown) => {
        this.#host.logger.error({ err, channel: this.#channel }, 'could not record a worker eviction');
      });
    }
  }

  /** Appends the full inventory; resolves once durable. */
  async #publish(event: InventoryEvent, workerId: string): Promise<void> {
    const now = this.#host.clock.now();
    this.#version += 1;
    const inventory: WorkerInventory = {
      workers: [...this.#workers.values()]
        .map((w) => ({ ...w, metadata: { ...w.metadata } }))
        .sort((a, b) => byUtf8Bytes(a.workerId, b.workerId)),
      timestamp: now,
      version: this.#version,
      change: { event, workerId },
    };
    await this.#host.appendRecord(this.#channel, INVENTORY_TYPE, inventoryToWire(inventory));
  }
}
