/**
 * Leases and worker presence across instances (§8.3, §9.2): their request types on `sk.<store>._req`,
 * and a {@link Coordinator} that sends them to the authority. An authority that cannot be reached is
 * 5003 (retryable), never a local decision.
 */
import { RpcCloseError, type RequesterStream } from '../rpc/index.js';
import { errorFromWire, SkCode, StreamkitError } from './errors.js';
import type { LeaseState } from './lease-table.js';
import { leaseFromWire } from './leases.js';
import type { ProduceRpc } from './remote-produce.js';
import { inventoryFromWire, type WorkerInventory } from './worker-inventory.js';
import type { WorkerRegistration } from './worker-registry.js';

/** The request types of leases and workers. */
export const CoordinationType = {
  LEASE_ACQUIRE: 'streamkit.lease.acquire.v1',
  LEASE_RENEW: 'streamkit.lease.renew.v1',
  LEASE_RELEASE: 'streamkit.lease.release.v1',
  LEASE_LIST: 'streamkit.lease.list.v1',
  WORKERS_JOIN: 'streamkit.workers.join.v1',
  WORKERS_RENEW: 'streamkit.workers.renew.v1',
  WORKERS_LEAVE: 'streamkit.workers.leave.v1',
  WORKERS_WATCH: 'streamkit.workers.watch.v1',
} as const;

/** What coordination needs of a StreamRpc: produce's one-shot requests, and a stream for watching. */
export interface CoordinationRpc extends ProduceRpc {
  openStream<R>(
    channel: string,
    payloadType: string,
    body: unknown,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): RequesterStream<R>;
}

/** Lease and worker operations, decided by the store's authority (here, or through rpc). */
export interface Coordinator {
  /** Acquires (or, for the same holder, refreshes) a lease. */
  acquire(key: string, holder: string, ttlSeconds: number, timeoutMs?: number): Promise<LeaseState>;
  /** Renews the holder's live lease. */
  renew(key: string, holder: string, ttlSeconds: number, timeoutMs?: number): Promise<LeaseState>;
  /** Releases the holder's lease. */
  release(key: string, holder: string, timeoutMs?: number): Promise<LeaseState>;
  /** The authority's leases (of `key` only, when given), sorted by key. */
  leases(key?: string): Promise<LeaseState[]>;
  /** Registers a worker. */
  join(
    workerId: string,
    metadata: Record<string, string> | undefined,
    intervalSeconds: number | undefined,
  ): Promise<WorkerRegistration>;
  /** Marks a worker seen; resolves with the authority's time. */
  renewWorker(workerId: string, registration: string, timeoutMs?: number): Promise<number>;
  /** Removes a worker. */
  leave(workerId: string, registration: string): Promise<void>;
}

/** Sends lease and worker operations to the authority through `rpc`. */
export class RemoteCoordinator implements Coordinator {
  readonly #rpc: CoordinationRpc;
  readonly #channel: string;
  readonly #authority: string;
  readonly #timeoutMs: number;

  /**
   * @param rpc - request/reply on this instance
   * @param channel - the store's request channel
   * @param authority - the authority's name, for messages ('' when unknown)
   * @param timeoutMs - the default deadline of a request
   */
  constructor(rpc: CoordinationRpc, channel: string, authority: string, timeoutMs: number) {
    this.#rpc = rpc;
    this.#channel = channel;
    this.#authority = authority;
    this.#timeoutMs = timeoutMs;
  }

  async acquire(key: string, holder: string, ttlSeconds: number, timeoutMs?: number): Promise<LeaseState> {
    return this.#lease(CoordinationType.LEASE_ACQUIRE, { key, holder, ttl_seconds: ttlSeconds }, timeoutMs);
  }

  async renew(key: string, holder: string, ttlSeconds: number, timeoutMs?: number): Promise<LeaseState> {
    return this.#lease(CoordinationType.LEASE_RENEW, { key, holder, ttl_seconds: ttlSeconds }, timeoutMs);
  }

  async release(key: string, holder: string, timeoutMs?: number): Promise<LeaseState> {
    return this.#lease(CoordinationType.LEASE_RELEASE, { key, holder }, timeoutMs);
  }

  async leases(key?: string): Promise<LeaseState[]> {
    const states: LeaseState[] = [];
    await this.#call(async () => {
      const stream = this.#rpc.openStream<unknown>(
        this.#channel,
        CoordinationType.LEASE_LIST,
        key === undefined ? {} : { key },
        { timeoutMs: this.#timeoutMs },
      );
      for await (const item of stream) {
        const state = leaseFromWire(item);
        if (state !== undefined) states.push(state);
      }
    });
    return states;
  }

  async join(
    workerId: string,
    metadata: Record<string, string> | undefined,
    intervalSeconds: number | undefined,
  ): Promise<WorkerRegistration> {
    const answer = await this.#request(CoordinationType.WORKERS_JOIN, {
      worker_id: workerId,
      ...(metadata === undefined ? {} : { metadata }),
      ...(intervalSeconds === undefined ? {} : { heartbeat_interval_seconds: intervalSeconds }),
    });
    const a = answer as Partial<{
      registration: string;
      heartbeat_interval_seconds: number;
      evict_after_ms: number;
    }> | null;
    if (typeof a?.registration !== 'string' || typeof a.heartbeat_interval_seconds !== 'number') {
      throw new StreamkitError(SkCode.INTERNAL, `join ${workerId}: the authority answered no registration`);
    }
    return {
      workerId,
      registration: a.registration,
      heartbeatIntervalSeconds: a.heartbeat_interval_seconds,
      evictAfterMs: typeof a.evict_after_ms === 'number' ? a.evict_after_ms : 0,
    };
  }

  async renewWorker(workerId: string, registration: string, timeoutMs?: number): Promise<number> {
    const answer = await this.#request(
      CoordinationType.WORKERS_RENEW,
      { worker_id: workerId, registration },
      timeoutMs,
    );
    const seen = (answer as { last_seen_at?: unknown } | null)?.last_seen_at;
    return typeof seen === 'number' ? seen : 0;
  }

  async leave(workerId: string, registration: string): Promise<void> {
    await this.#request(CoordinationType.WORKERS_LEAVE, { worker_id: workerId, registration });
  }

  /** The authority's inventories: the current one, then each change, until `signal` aborts. */
  async *watchWorkers(signal: AbortSignal, timeoutMs: number): AsyncGenerator<WorkerInventory> {
    const stream = this.#rpc.openStream<unknown>(
      this.#channel,
      CoordinationType.WORKERS_WATCH,
      {},
      {
        signal,
        timeoutMs,
      },
    );
    try {
      for await (const item of stream) {
        const inventory = inventoryFromWire(item);
        if (inventory !== undefined) yield inventory;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw this.#rebuilt(err);
    }
  }

  async #lease(
    type: string,
    body: Record<string, unknown>,
    timeoutMs: number | undefined,
  ): Promise<LeaseState> {
    const state = leaseFromWire(await this.#request(type, body, timeoutMs));
    if (state === undefined) {
      throw new StreamkitError(SkCode.INTERNAL, `${type}: the authority answered no lease state`);
    }
    return state;
  }

  async #request(type: string, body: Record<string, unknown>, timeoutMs?: number): Promise<unknown> {
    let answer: unknown;
    await this.#call(async () => {
      answer = await this.#rpc.request(this.#channel, type, body, {
        timeoutMs: timeoutMs ?? this.#timeoutMs,
      });
    });
    return answer;
  }

  async #call(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      throw this.#rebuilt(err);
    }
  }

  /**
   * The typed error of a close. No answer in time, a lost stream or a failed publish is 5003: the
   * authority may be back later, and nothing is decided here meanwhile.
   */
  #rebuilt(err: unknown): unknown {
    const rebuilt = err instanceof RpcCloseError ? errorFromWire(err.closeCode, err.text, err) : err;
    if (
      rebuilt instanceof StreamkitError &&
      rebuilt.wireCode !== SkCode.DEADLINE_EXCEEDED &&
      !rebuilt.retryable
    ) {
      return rebuilt;
    }
    if (rebuilt instanceof StreamkitError && rebuilt.wireCode === SkCode.COMMIT_FAILED) return rebuilt;
    return new StreamkitError(
      SkCode.UNAVAILABLE,
      `the store's authority${this.#authority === '' ? '' : ` ${JSON.stringify(this.#authority)}`} did not answer: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
