/**
 * The client side of a lease (§8.5): acquire, renew at ttl/2, and abort the work's signal when a
 * renewal is refused or when none was confirmed before the lease's own deadline, measured on this
 * instance's clock from the moment the confirmed request was sent. A holder cut off from the
 * authority therefore stops before the authority can grant the key to anyone else.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import type { Coordinator } from './coordination-rpc.js';
import { LeaseRefusedError, SkCode, StreamkitError } from './errors.js';
import { ttlSecondsOf, type LeaseState } from './lease-table.js';

/** A lease held by {@link withLease}'s function. */
export interface Lease {
  /** The key. */
  readonly key: string;
  /** This holder (`<instance>/<uuid>`, new for every acquire). */
  readonly holder: string;
  /** The fencing token: pass it with produces made under the lease (`fence` option). */
  readonly fence: number;
  /** The authority's expiry of the last grant or renewal (authority clock, Unix ms). */
  readonly expiresAt: number;
  /** This instance's deadline: the signal aborts at it unless a renewal moves it (local clock). */
  readonly validUntil: number;
  /** Aborted when the lease is lost (refused renewal, or no confirmed renewal in time). */
  readonly signal: AbortSignal;
}

/** Options of {@link withLease}. */
export interface WithLeaseOptions {
  /** Aborts the work (and releases) when aborted. */
  signal?: AbortSignal;
  /** The holder name; default `<instance>/<random uuid>`. */
  holder?: string;
}

/** What {@link withLease} needs. */
export interface LeaseClient {
  coordinator: Coordinator;
  clock: Clock;
  logger: Logger;
  /** This instance's name, the prefix of holders. */
  instance: string;
  /** Longest wait for one request. */
  requestTimeoutMs: number;
  /** Aborted when the store closes: the work is aborted too, and renewals stop. */
  closed: AbortSignal;
}

/** The local deadline keeps this much (at most 2 s, at most a quarter of the TTL) before the lease's own. */
export function safetyMarginMs(ttlMs: number): number {
  return Math.min(2000, ttlMs / 4);
}

/**
 * Runs `fn` while holding the lease on `key` for `ttlMs` (whole seconds, 1 s to 24 h), renewing it
 * at half the TTL, and releases it when `fn` settles. Rejects with a `LeaseRefusedError` (4011) when
 * another holder has it, and with 5003 when the authority cannot be reached (never decided locally).
 */
export async function withLease<T>(
  client: LeaseClient,
  key: string,
  ttlMs: number,
  fn: (signal: AbortSignal, lease: Lease) => Promise<T>,
  options: WithLeaseOptions = {},
): Promise<T> {
  const ttlSeconds = ttlSecondsOf(ttlMs);
  const holder = options.holder ?? `${client.instance}/${randomUUID()}`;
  options.signal?.throwIfAborted();
  client.closed.throwIfAborted();
  const held = new HeldLease(client, key, holder, ttlSeconds);
  await held.acquire();
  const stops = [options.signal, client.closed].flatMap((signal) => {
    if (signal === undefined) return [];
    const stop = (): void => {
      held.lose(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
    return [
      () => {
        signal.removeEventListener('abort', stop);
      },
    ];
  });
  try {
    // Aborted while acquiring: the listeners above were added too late to fire.
    const early = [options.signal, client.closed].find((signal) => signal?.aborted === true);
    if (early !== undefined) throw early.reason;
    return await fn(held.signal, held);
  } finally {
    for (const remove of stops) remove();
    await held.end();
  }
}

/** One held lease: its timers and its state. */
class HeldLease implements Lease {
  readonly #client: LeaseClient;
  readonly #key: string;
  readonly #holder: string;
  readonly #ttlSeconds: number;
  readonly #ttlMs: number;
  readonly #controller = new AbortController();
  #state: LeaseState | undefined;
  #validUntil = 0;
  #guard: TimerHandle | undefined;
  #renewTimer: TimerHandle | undefined;
  #refused = false;
  #ended = false;

  constructor(client: LeaseClient, key: string, holder: string, ttlSeconds: number) {
    this.#client = client;
    this.#key = key;
    this.#holder = holder;
    this.#ttlSeconds = ttlSeconds;
    this.#ttlMs = ttlSeconds * 1000;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  async acquire(): Promise<void> {
    const sentAt = this.#client.clock.now();
    const state = await this.#client.coordinator.acquire(
      this.#key,
      this.#holder,
      this.#ttlSeconds,
      this.#requestTimeout(sentAt + this.#ttlMs - safetyMarginMs(this.#ttlMs)),
    );
    this.#state = state;
    this.#confirmed(sentAt);
    if (this.#controller.signal.aborted) {
      await this.end();
      throw this.#controller.signal.reason;
    }
  }

  get key(): string {
    return this.#key;
  }

  get holder(): string {
    return this.#holder;
  }

  get fence(): number {
    return this.#state?.fence ?? 0;
  }

  get expiresAt(): number {
    return this.#state?.expiresAt ?? 0;
  }

  get validUntil(): number {
    return this.#validUntil;
  }

  /** Aborts the work with `reason` and stops renewing. */
  lose(reason: unknown): void {
    this.#guard?.clear();
    this.#renewTimer?.clear();
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Stops renewing and releases (best effort: a refused or lost release only lapses the lease). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.lose(new StreamkitError(SkCode.GOING_AWAY, `lease ${JSON.stringify(this.#key)}: released`));
    if (this.#refused) return;
    try {
      await this.#client.coordinator.release(this.#key, this.#holder, this.#client.requestTimeoutMs);
    } catch (err) {
      this.#client.logger.warn({ err, key: this.#key }, 'lease release failed; it lapses at its TTL');
    }
  }

  /** A renewal (or the grant) sent at `sentAt` was confirmed: the local deadline moves. */
  #confirmed(sentAt: number): void {
    const now = this.#client.clock.now();
    this.#validUntil = sentAt + this.#ttlMs - safetyMarginMs(this.#ttlMs);
    this.#guard?.clear();
    if (this.#validUntil <= now) {
      this.lose(this.#lapsedError());
      return;
    }
    this.#guard = this.#client.clock.setTimeout(() => {
      this.lose(this.#lapsedError());
    }, this.#validUntil - now);
    this.#scheduleRenew(Math.max(0, sentAt + this.#ttlMs / 2 - now));
  }

  #scheduleRenew(delayMs: number): void {
    this.#renewTimer?.clear();
    if (this.#controller.signal.aborted) return;
    this.#renewTimer = this.#client.clock.setTimeout(() => {
      void this.#renew();
    }, delayMs);
  }

  async #renew(): Promise<void> {
    const sentAt = this.#client.clock.now();
    try {
      this.#state = await this.#client.coordinator.renew(
        this.#key,
        this.#holder,
        this.#ttlSeconds,
        this.#requestTimeout(this.#validUntil),
      );
    } catch (err) {
      if (this.#controller.signal.aborted) return;
      if (err instanceof LeaseRefusedError) {
        this.#refused = true;
        this.lose(err);
        return;
      }
      // No answer, or a transient failure: try again soon; the guard stops the work at the deadline.
      this.#client.logger.warn({ err, key: this.#key }, 'lease renewal failed; retrying');
      this.#scheduleRenew(Math.max(100, this.#ttlMs / 10));
      return;
    }
    if (!this.#controller.signal.aborted) this.#confirmed(sentAt);
  }

  /** A request may wait until `deadline` (local clock), and at most the client's request timeout. */
  #requestTimeout(deadline: number): number {
    return Math.max(1, Math.min(this.#client.requestTimeoutMs, deadline - this.#client.clock.now()));
  }

  #lapsedError(): StreamkitError {
    return new StreamkitError(
      SkCode.UNAVAILABLE,
      `lease ${JSON.stringify(this.#key)}: no renewal was confirmed in time; stopped before the lease could lapse`,
    );
  }
}
