/**
 * The authority's side of leases and workers over rpc (§8.3, §9.2): one handler per request type,
 * answering from the lease book and the worker registry; a refusal closes with its code and wire text.
 */
import { RpcCloseError, type RpcHandler } from '../rpc/index.js';
import { CoordinationType } from './coordination-rpc.js';
import { badRequest, StreamkitError } from './errors.js';
import { validateLeaseKey } from './lease-table.js';
import { leaseToWire, type LeaseBook } from './leases.js';
import { inventoryToWire, type InventoryView, type WorkerInventory } from './worker-inventory.js';
import type { WorkerRegistry } from './worker-registry.js';

type Body = Record<string, unknown>;

/** The authority's side: the lease book and the worker registry. */
export interface CoordinationAuthority {
  leases: LeaseBook;
  workers: WorkerRegistry;
  inventory: InventoryView;
}

/** The handlers the authority serves, by request type. */
export function coordinationHandlers(a: CoordinationAuthority): Map<string, RpcHandler> {
  const one = (run: (b: Body, origin: string) => Promise<unknown>): RpcHandler =>
    answering(async (b, origin, writer) => {
      const answer = await run(b, origin);
      if (answer !== undefined) await writer.write(answer);
    });
  return new Map<string, RpcHandler>([
    [
      CoordinationType.LEASE_ACQUIRE,
      one(async (b) => leaseToWire(await a.leases.acquire(str(b.key), str(b.holder), num(b.ttl_seconds)))),
    ],
    [
      CoordinationType.LEASE_RENEW,
      one(async (b) => leaseToWire(await a.leases.renew(str(b.key), str(b.holder), num(b.ttl_seconds)))),
    ],
    [
      CoordinationType.LEASE_RELEASE,
      one(async (b) => leaseToWire(await a.leases.release(str(b.key), str(b.holder)))),
    ],
    [
      CoordinationType.LEASE_LIST,
      answering(async (b, _origin, writer) => {
        const key = b.key;
        if (key !== undefined) validateLeaseKey(key);
        for (const state of a.leases.list()) {
          if (key === undefined || state.key === key) await writer.write(leaseToWire(state));
        }
      }),
    ],
    [
      CoordinationType.WORKERS_JOIN,
      one(async (b, origin) => {
        const metadata = b.metadata as Record<string, string> | undefined;
        const interval = b.heartbeat_interval_seconds;
        if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval))) {
          throw badRequest(
            `heartbeat_interval_seconds must be a number of seconds, got ${JSON.stringify(interval)}`,
          );
        }
        const r = await a.workers.join(str(b.worker_id), metadata, interval, origin);
        return {
          worker_id: r.workerId,
          registration: r.registration,
          heartbeat_interval_seconds: r.heartbeatIntervalSeconds,
          evict_after_ms: r.evictAfterMs,
        };
      }),
    ],
    [
      CoordinationType.WORKERS_RENEW,
      one((b) =>
        Promise.resolve({
          worker_id: b.worker_id,
          last_seen_at: a.workers.renew(str(b.worker_id), str(b.registration)),
        }),
      ),
    ],
    [
      CoordinationType.WORKERS_LEAVE,
      one(async (b) => {
        await a.workers.leave(str(b.worker_id), str(b.registration));
        return undefined;
      }),
    ],
    [
      CoordinationType.WORKERS_WATCH,
      answering(async (_b, _origin, writer) => {
        await watchInventory(a.inventory, writer);
      }),
    ],
  ]);
}

/** Writes the current inventory, then every newer one (a slow reader gets the latest), until aborted. */
async function watchInventory(
  view: InventoryView,
  writer: { signal: AbortSignal; write(data: unknown): Promise<void> },
): Promise<void> {
  let pending: WorkerInventory | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = view.subscribe((inventory) => {
    pending = inventory;
    wake?.();
  });
  const aborted = new Promise<void>((resolve) => {
    writer.signal.addEventListener('abort', () => {
      resolve();
    });
  });
  try {
    while (!writer.signal.aborted) {
      const next = pending;
      if (next === undefined) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        continue;
      }
      pending = undefined;
      await writer.write(inventoryToWire(next));
    }
  } finally {
    unsubscribe();
  }
}

/** A handler reading an object body; a StreamkitError closes with its code and wire text. */
function answering(
  run: (b: Body, origin: string, writer: Parameters<RpcHandler>[1]) => Promise<void>,
): RpcHandler {
  return async (request, writer) => {
    try {
      const body = request.body as Body | null;
      if (body === null || typeof body !== 'object') throw badRequest('the request body must be an object');
      await run(body, request.origin, writer);
    } catch (err) {
      if (err instanceof StreamkitError) throw new RpcCloseError(err.wireCode, err.wireText);
      throw err;
    }
  };
}

/** A string field, or '' (which the operation refuses, naming the field). */
function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A number field, or NaN (which the operation refuses, naming the field). */
function num(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}
