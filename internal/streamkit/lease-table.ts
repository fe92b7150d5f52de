/**
 * The lease rules of streamkit.md §8 (streamkit's, plus fencing): validation, the authority's decisions
 * by its own clock, and the table every instance rebuilds from `sk.<store>._leases`.
 */
import { badRequest, LeaseRefusedError, StaleFenceError } from './errors.js';
import { byUtf8Bytes } from './space-index.js';

/** Shortest lease, in seconds. */
export const MIN_LEASE_TTL_SECONDS = 1;
/** Longest lease, in seconds (24 h, as streamkit's server). */
export const MAX_LEASE_TTL_SECONDS = 86_400;
const MAX_NAME_BYTES = 1024;

/** What changed a lease. */
export type LeaseEvent = 'acquired' | 'renewed' | 'released';

/** A key's lease as the authority last decided it. */
export interface LeaseState {
  /** The lease key. */
  key: string;
  /** The holder, or undefined once released. */
  holder: string | undefined;
  /** The fencing token: +1 every time the key gets a new holder; never reused. */
  fence: number;
  /** Unix ms (authority clock) at which the lease lapses; 0 once released. */
  expiresAt: number;
  /** The decision that produced this state. */
  event: LeaseEvent;
}

/** Whether `key` can be a lease key: 1-1024 UTF-8 bytes. */
export function isLeaseKey(key: unknown): key is string {
  return typeof key === 'string' && key !== '' && Buffer.byteLength(key) <= MAX_NAME_BYTES;
}

/** Throws 4000 unless `key` is 1-1024 UTF-8 bytes. */
export function validateLeaseKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '') throw badRequest('lease key is required');
  if (Buffer.byteLength(key) > MAX_NAME_BYTES) {
    throw badRequest(`lease key must be at most ${MAX_NAME_BYTES} UTF-8 bytes`);
  }
}

/** Throws 4000 unless `holder` is 1-1024 UTF-8 bytes. */
export function validateHolder(holder: unknown): asserts holder is string {
  if (typeof holder !== 'string' || holder === '') throw badRequest('lease holder is required');
  if (Buffer.byteLength(holder) > MAX_NAME_BYTES) {
    throw badRequest(`lease holder must be at most ${MAX_NAME_BYTES} UTF-8 bytes`);
  }
}

/** Throws 4000 unless `ttlSeconds` is a whole number of seconds in 1..86400. */
export function validateTtlSeconds(ttlSeconds: unknown): asserts ttlSeconds is number {
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < MIN_LEASE_TTL_SECONDS ||
    ttlSeconds > MAX_LEASE_TTL_SECONDS
  ) {
    throw badRequest(
      `lease ttl must be between ${MIN_LEASE_TTL_SECONDS} and ${MAX_LEASE_TTL_SECONDS} seconds, got ${String(ttlSeconds)}`,
    );
  }
}

/** A TTL in milliseconds as the wire's whole seconds (rounded to the nearest), validated. */
export function ttlSecondsOf(ttlMs: number): number {
  const seconds = Math.round(ttlMs / 1000);
  validateTtlSeconds(seconds);
  return seconds;
}

/** The leases of one store, keyed by lease key. */
export class LeaseTable {
  readonly #leases = new Map<string, LeaseState>();

  /** The state of `key`, when it ever had a lease. */
  get(key: string): LeaseState | undefined {
    return this.#leases.get(key);
  }

  /** Every key's state, sorted by key (UTF-8 byte order). */
  list(): LeaseState[] {
    return [...this.#leases.values()].sort((a, b) => byUtf8Bytes(a.key, b.key));
  }

  /** Records a state (decided here, or read from the channel). */
  apply(state: LeaseState): void {
    this.#leases.set(state.key, state);
  }

  /**
   * Acquire: refused only while another holder's lease is live; the same holder refreshes its live
   * lease (same fence); otherwise a new lease with the next fence.
   */
  acquire(key: string, holder: string, ttlMs: number, now: number): LeaseState {
    const current = this.#leases.get(key);
    if (current !== undefined && isLive(current, now)) {
      if (current.holder !== holder) {
        throw new LeaseRefusedError(
          key,
          'held',
          `held by ${JSON.stringify(current.holder)} until ${new Date(current.expiresAt).toISOString()}`,
        );
      }
      return { key, holder, fence: current.fence, expiresAt: now + ttlMs, event: 'acquired' };
    }
    return { key, holder, fence: (current?.fence ?? 0) + 1, expiresAt: now + ttlMs, event: 'acquired' };
  }

  /** Renew: only the holder of a live lease; a lapsed lease stays lapsed. */
  renew(key: string, holder: string, ttlMs: number, now: number): LeaseState {
    const current = this.#holderOf(key, holder);
    if (!isLive(current, now)) {
      throw new LeaseRefusedError(
        key,
        'lapsed',
        `lapsed at ${new Date(current.expiresAt).toISOString()}; acquire it again`,
      );
    }
    return { key, holder, fence: current.fence, expiresAt: now + ttlMs, event: 'renewed' };
  }

  /** Release: only the holder (a lapsed lease nobody took may still be released by it). */
  release(key: string, holder: string): LeaseState {
    const current = this.#holderOf(key, holder);
    return { key, holder: undefined, fence: current.fence, expiresAt: 0, event: 'released' };
  }

  /** Throws 4010 unless `fence` is the current fence of a live lease on `key`. */
  checkFence(key: string, fence: number, now: number): void {
    const current = this.#leases.get(key);
    const live = current !== undefined && isLive(current, now);
    if (!live || current.fence !== fence) {
      throw new StaleFenceError(key, fence, current?.fence ?? 0, live);
    }
  }

  #holderOf(key: string, holder: string): LeaseState {
    const current = this.#leases.get(key);
    if (current?.holder === undefined) {
      throw new LeaseRefusedError(key, 'not_held', 'is not held');
    }
    if (current.holder !== holder) {
      throw new LeaseRefusedError(
        key,
        'not_holder',
        `${JSON.stringify(holder)} is not its holder (${JSON.stringify(current.holder)} is)`,
      );
    }
    return current;
  }
}

/** Whether a lease is held at `now`. */
export function isLive(state: LeaseState, now: number): boolean {
  return state.holder !== undefined && state.expiresAt > now;
}
