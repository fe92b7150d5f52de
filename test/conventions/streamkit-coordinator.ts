/**
 * The lease and worker side of a streamkit authority, written from docs/conventions/streamkit.md alone
 * (§8.1–§8.4, §9.1–§9.2), on the public Messenger API: decisions by its own clock, each written to
 * `sk.<store>._leases` or `sk.<store>._workers` before it is answered. No eviction (the tests that
 * use it never wait that long).
 */
import { randomUUID } from 'node:crypto';
import { RpcCloseError, type Messenger, type RpcHandler, type StreamRpc } from '../../src/index.js';
import {
  byteSorted,
  channels,
  isStringMap,
  Types,
  type WireInventory,
  type WireLease,
} from './streamkit-wire.js';

type Body = Record<string, unknown>;

function bad(text: string): RpcCloseError {
  return new RpcCloseError(4000, text);
}

/** A string of 1–1,024 UTF-8 bytes, else 4000 with `text`. */
function name(v: unknown, text: string): string {
  if (typeof v !== 'string' || v === '' || Buffer.byteLength(v) > 1024) throw bad(text);
  return v;
}

/** The TTL of a request in seconds (§8.1). */
function ttlOf(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 86_400) {
    throw bad(`lease ttl must be between 1 and 86400 seconds, got ${String(v)}`);
  }
  return v;
}

/** A 4011 with its JSON text (§6). */
function refused(key: string, reason: string): RpcCloseError {
  return new RpcCloseError(4011, JSON.stringify({ key, reason, detail: `lease ${key}: ${reason}` }));
}

/** Leases and workers of one store. */
export class TestCoordinator {
  readonly #messenger: Messenger;
  readonly #store: string;
  readonly #leases = new Map<string, WireLease>();
  readonly #workers = new Map<string, WireInventory['workers'][number]>();
  #version = 0;

  private constructor(messenger: Messenger, store: string) {
    this.#messenger = messenger;
    this.#store = store;
  }

  /** Serves the lease and worker requests of `store` with `rpc`. */
  static async open(messenger: Messenger, rpc: StreamRpc, store: string): Promise<TestCoordinator> {
    const c = new TestCoordinator(messenger, store);
    const handlers: [string, (b: Body, origin: string) => Promise<unknown>][] = [
      [Types.acquire, (b) => c.#acquire(b)],
      [Types.renew, (b) => c.#renew(b)],
      [Types.release, (b) => c.#release(b)],
      [Types.join, (b, origin) => c.#join(b, origin)],
      [Types.workerRenew, (b) => Promise.resolve(c.#workerRenew(b))],
      [Types.leave, (b) => c.#leave(b)],
    ];
    for (const [type, run] of handlers) {
      const handler: RpcHandler = async (r, w) => {
        const body = r.body as Body | null;
        if (body === null || typeof body !== 'object') throw bad('the body is not an object');
        const answer = await run(body, r.origin);
        if (answer !== undefined) await w.write(answer);
      };
      await rpc.serve(channels.requests(store), type, handler);
    }
    return c;
  }

  /** The fence check of a produce (§8.4): undefined when it may write, else the 4010 to close with. */
  staleFence(key: string, fence: number): RpcCloseError | undefined {
    const l = this.#leases.get(key);
    const held = l !== undefined && l.holder !== null && Date.now() < l.expires_at;
    if (held && l.fence === fence) return undefined;
    return new RpcCloseError(4010, JSON.stringify({ key, expected: fence, actual: l?.fence ?? 0, held }));
  }

  async #decide(state: WireLease): Promise<WireLease> {
    this.#leases.set(state.key, state);
    await this.#messenger.publish(channels.leases(this.#store), Types.leaseState, state);
    return state;
  }

  #acquire(b: Body): Promise<WireLease> {
    const key = name(b['key'], 'lease key is required');
    const holder = name(b['holder'], 'lease holder is required');
    const ttl = ttlOf(b['ttl_seconds']);
    const now = Date.now();
    const l = this.#leases.get(key);
    const held = l !== undefined && l.holder !== null && now < l.expires_at;
    if (held && l.holder !== holder) throw refused(key, 'held');
    const fence = held ? l.fence : (l?.fence ?? 0) + 1;
    return this.#decide({ key, holder, fence, expires_at: now + ttl * 1000, event: 'acquired' });
  }

  #renew(b: Body): Promise<WireLease> {
    const key = name(b['key'], 'lease key is required');
    const holder = name(b['holder'], 'lease holder is required');
    const ttl = ttlOf(b['ttl_seconds']);
    const now = Date.now();
    const l = this.#leases.get(key);
    if (l === undefined || l.holder === null) throw refused(key, 'not_held');
    if (l.holder !== holder) throw refused(key, 'not_holder');
    if (now >= l.expires_at) throw refused(key, 'lapsed');
    return this.#decide({ ...l, expires_at: now + ttl * 1000, event: 'renewed' });
  }

  #release(b: Body): Promise<WireLease> {
    const key = name(b['key'], 'lease key is required');
    const holder = name(b['holder'], 'lease holder is required');
    const l = this.#leases.get(key);
    if (l === undefined || l.holder === null) throw refused(key, 'not_held');
    if (l.holder !== holder) throw refused(key, 'not_holder');
    return this.#decide({ key, holder: null, fence: l.fence, expires_at: 0, event: 'released' });
  }

  async #snapshot(event: 'joined' | 'left' | 'replaced', workerId: string): Promise<void> {
    this.#version += 1;
    const workers = byteSorted([...this.#workers.keys()]).map((id) => this.#workers.get(id)!);
    const inventory: WireInventory = {
      workers,
      timestamp: Date.now(),
      version: this.#version,
      change: { event, worker_id: workerId },
    };
    await this.#messenger.publish(channels.workers(this.#store), Types.inventory, inventory);
  }

  async #join(b: Body, origin: string): Promise<unknown> {
    const workerId = name(b['worker_id'], 'worker_id is required');
    const metadata = b['metadata'] ?? {};
    if (!isStringMap(metadata)) throw bad('metadata must be an object of strings');
    const asked = b['heartbeat_interval_seconds'];
    if (asked !== undefined && typeof asked !== 'number')
      throw bad('heartbeat_interval_seconds is not a number');
    const interval = asked === undefined || asked === 0 ? 30 : Math.min(300, Math.max(1, Math.round(asked)));
    const replaced = this.#workers.has(workerId);
    const registration = randomUUID();
    this.#workers.set(workerId, {
      worker_id: workerId,
      metadata,
      last_seen_at: Date.now(),
      origin,
      registration,
      heartbeat_interval_seconds: interval,
    });
    await this.#snapshot(replaced ? 'replaced' : 'joined', workerId);
    return {
      worker_id: workerId,
      registration,
      heartbeat_interval_seconds: interval,
      evict_after_ms: Math.max(3 * interval, 30) * 1000,
    };
  }

  #registered(b: Body): { workerId: string; info: WireInventory['workers'][number] } {
    const workerId = name(b['worker_id'], 'worker_id is required');
    const registration = name(b['registration'], 'registration is required');
    const info = this.#workers.get(workerId);
    const gone = (reason: string): RpcCloseError =>
      new RpcCloseError(4012, JSON.stringify({ worker_id: workerId, reason }));
    if (info === undefined) throw gone('unknown');
    if (info.registration !== registration) throw gone('replaced');
    return { workerId, info };
  }

  #workerRenew(b: Body): unknown {
    const { workerId, info } = this.#registered(b);
    info.last_seen_at = Date.now();
    return { worker_id: workerId, last_seen_at: info.last_seen_at };
  }

  async #leave(b: Body): Promise<undefined> {
    const { workerId } = this.#registered(b);
    this.#workers.delete(workerId);
    await this.#snapshot('left', workerId);
    return undefined;
  }
}
