/**
 * The one retry schedule: exponential backoff from a base delay, capped, with an optional random
 * spread. Every retry loop (dialling a hub, rewriting a failed segment, retrying a handler, a
 * webhook, an offset write) takes its delays from here and sleeps through the injected
 * {@link Clock}, so a test drives the schedule with a fake clock and a seeded random source.
 */

/** How a retry loop spaces its attempts. */
export interface BackoffPolicy {
  /** Delay after the first failure, in ms. */
  baseMs: number;
  /** Ceiling of any delay, in ms (before the spread). */
  maxMs: number;
  /** Random spread of each delay as a fraction: 0.2 is ±20 %. Default 0 (no spread). */
  jitter?: number;
  /** Random source in [0, 1); default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): `baseMs · 2^attempt`, capped at
 * `maxMs`, then spread by `jitter` and rounded to a whole, non-negative ms.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const doubled = policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 52);
  const capped = Math.min(policy.maxMs, doubled);
  const jitter = policy.jitter ?? 0;
  if (jitter === 0) return Math.max(0, Math.round(capped));
  const spread = capped * jitter * ((policy.random ?? Math.random)() * 2 - 1);
  return Math.max(0, Math.round(capped + spread));
}

/** A stateful schedule for one retry loop: {@link Backoff.next} after a failure, `reset` after a success. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  #attempt = 0;

  /** A schedule following `policy`, starting at its base delay. */
  constructor(policy: BackoffPolicy) {
    this.#policy = policy;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.#attempt;
  }

  /** The delay to wait after one more failure; each call doubles the next one up to the cap. */
  next(): number {
    const delay = backoffDelay(this.#policy, this.#attempt);
    this.#attempt += 1;
    return delay;
  }

  /** Starts over from the base delay (call after a success). */
  reset(): void {
    this.#attempt = 0;
  }
}
