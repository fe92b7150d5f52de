/**
 * A store's leases (§8): the authority decides by its own clock and appends every decision to the
 * retained channel `sk.<store>._leases` before answering; every instance rebuilds the table from that
 * channel at open, and an instance that is not the authority follows it.
 */
import type { Envelope } from '../envelope/index.js';
import type { ControlHost } from './control-host.js';
import { ControlChannel } from './control-channel.js';
import { SkCode, StreamkitError } from './errors.js';
import {
  LeaseTable,
  validateHolder,
  validateLeaseKey,
  validateTtlSeconds,
  type LeaseEvent,
  type LeaseState,
} from './lease-table.js';
import { leasesChannel } from './names.js';

/** Payload type of a lease decision in `sk.<store>._leases`. */
export const LEASE_STATE_TYPE = 'streamkit.lease-state.v1';

/** A lease state as it travels (in the channel and in answers). */
export interface WireLeaseState {
  key: string;
  holder: string | null;
  fence: number;
  expires_at: number;
  event: LeaseEvent;
}

/** Called with each lease state as it changes. */
export type LeaseHandler = (state: LeaseState) => void;

/** The leases of one store on one instance. */
export class LeaseBook {
  readonly #host: ControlHost;
  readonly #channel: string;
  readonly #table = new LeaseTable();
  readonly #handlers = new Set<LeaseHandler>();
  #reader: ControlChannel | undefined;
  #failure: StreamkitError | undefined;

  private constructor(host: ControlHost) {
    this.#host = host;
    this.#channel = leasesChannel(host.store);
  }

  /** Reads the lease channel (the authority's decisions so far); follows it unless this is the authority. */
  static async open(host: ControlHost): Promise<LeaseBook> {
    const book = new LeaseBook(host);
    const log = await host.log(book.#channel);
    if (log === undefined) return book;
    book.#reader = await ControlChannel.read(log, (env) => {
      book.#onRecord(env);
    });
    if (!host.decides && !host.readOnly) book.#reader.follow(host.logger);
    return book;
  }

  /** Acquires `key` for `holder` for `ttlSeconds` (authority only); resolves once the decision is durable. */
  acquire(key: string, holder: string, ttlSeconds: number): Promise<LeaseState> {
    return this.#decide(key, holder, ttlSeconds, (now) =>
      this.#table.acquire(key, holder, ttlSeconds * 1000, now),
    );
  }

  /** Renews `holder`'s live lease on `key` (authority only). */
  renew(key: string, holder: string, ttlSeconds: number): Promise<LeaseState> {
    return this.#decide(key, holder, ttlSeconds, (now) =>
      this.#table.renew(key, holder, ttlSeconds * 1000, now),
    );
  }

  /** Releases `holder`'s lease on `key` (authority only). */
  release(key: string, holder: string): Promise<LeaseState> {
    return this.#decide(key, holder, undefined, () => this.#table.release(key, holder));
  }

  /** Throws 4010 unless `fence` is the current fence of a live lease on `key` (authority clock). */
  checkFence(key: string, fence: number): void {
    this.#table.checkFence(key, fence, this.#host.clock.now());
  }

  /** The state of `key` as this instance knows it. */
  get(key: string): LeaseState | undefined {
    return this.#table.get(key);
  }

  /** Every key's state, sorted by key. */
  list(): LeaseState[] {
    return this.#table.list();
  }

  /** Calls `handler` with every current state, then with each change; returns the unsubscribe. */
  subscribe(handler: LeaseHandler): () => void {
    for (const state of this.#table.list()) handler(state);
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Stops following. */
  close(): void {
    this.#reader?.stop();
    this.#handlers.clear();
  }

  async #decide(
    key: string,
    holder: string,
    ttlSeconds: number | undefined,
    decide: (now: number) => LeaseState,
  ): Promise<LeaseState> {
    validateLeaseKey(key);
    validateHolder(holder);
    if (ttlSeconds !== undefined) validateTtlSeconds(ttlSeconds);
    if (!this.#host.decides) {
      throw new StreamkitError(
        SkCode.NOT_AUTHORITY,
        `store ${JSON.stringify(this.#host.store)}: leases are decided by its authority ${JSON.stringify(this.#host.authority)}`,
      );
    }
    if (this.#failure !== undefined) throw this.#failure;
    const now = this.#host.clock.now();
    // Decided and applied synchronously: the next request sees this one's outcome.
    const state = decide(now);
    this.#apply(state);
    try {
      await this.#host.appendRecord(this.#channel, LEASE_STATE_TYPE, leaseToWire(state));
    } catch (err) {
      // The table is ahead of the channel now: refuse until the store is reopened (which re-reads it).
      this.#failure = new StreamkitError(
        SkCode.UNAVAILABLE,
        `store ${JSON.stringify(this.#host.store)}: the lease channel could not be written; reopen the store`,
        { cause: err },
      );
      throw new StreamkitError(SkCode.COMMIT_FAILED, `lease ${JSON.stringify(key)}: not recorded`, {
        cause: err,
      });
    }
    return state;
  }

  #onRecord(env: Envelope): void {
    if (env.payload_type !== LEASE_STATE_TYPE) return;
    if (this.#host.authority !== '' && env.origin !== this.#host.authority) {
      this.#host.logger.warn(
        { channel: this.#channel, origin: env.origin },
        'lease state from an instance that is not the authority ignored',
      );
      return;
    }
    const state = leaseFromWire(env.payload);
    if (state === undefined) {
      this.#host.logger.warn({ channel: this.#channel, id: env.id }, 'malformed lease state ignored');
      return;
    }
    this.#apply(state);
  }

  #apply(state: LeaseState): void {
    this.#table.apply(state);
    for (const handler of this.#handlers) handler(state);
  }
}

/** A lease state as it travels. */
export function leaseToWire(state: LeaseState): WireLeaseState {
  return {
    key: state.key,
    holder: state.holder ?? null,
    fence: state.fence,
    expires_at: state.expiresAt,
    event: state.event,
  };
}

/** Reads a lease state; undefined when malformed. */
export function leaseFromWire(value: unknown): LeaseState | undefined {
  const w = value as Partial<WireLeaseState> | null;
  if (w === null || typeof w !== 'object' || typeof w.key !== 'string') return undefined;
  if (w.holder !== null && typeof w.holder !== 'string') return undefined;
  if (typeof w.fence !== 'number' || typeof w.expires_at !== 'number') return undefined;
  if (w.event !== 'acquired' && w.event !== 'renewed' && w.event !== 'released') return undefined;
  return {
    key: w.key,
    holder: w.holder ?? undefined,
    fence: w.fence,
    expiresAt: w.expires_at,
    event: w.event,
  };
}
