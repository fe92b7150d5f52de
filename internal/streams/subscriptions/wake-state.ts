/**
 * The wake of one subscription, with no I/O: its generation, the wake under way (id, snapshot of the
 * tails it covers), who holds it (a pull worker), its callback token, and its lease, timed by the
 * injected clock. Acknowledgements for another generation or wake are fenced. The manager decides
 * when to wake and what a wake delivers; this decides whether a request may act on it.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock/index.js';
import { SubscriptionError } from './config.js';
import type { CallbackTokens } from './webhook-security.js';

/** Settings of a {@link WakeState}. */
export interface WakeStateOptions {
  /** The token subject (one per subscription). */
  subject: string;
  /** The generation of the last wake (0 for a new subscription). */
  generation: number;
  /** How long a wake stays with its consumer without an acknowledgement. */
  leaseTtlMs: number;
  tokens: CallbackTokens;
  clock: Clock;
  /** Called when a lease ran out: the wake has ended (and may be started again). */
  onLeaseExpired: () => void;
  /** A new wake id; default: `w_` and 24 random hex digits. */
  newWakeId?: () => string;
}

/** The wake, lease and fence of one subscription. */
export class WakeState {
  readonly #opts: WakeStateOptions;
  #generation: number;
  #wakeId: string | undefined;
  #snapshot = new Map<string, string>();
  #token: string | undefined;
  #holder: string | undefined;
  #lease: TimerHandle | undefined;

  constructor(opts: WakeStateOptions) {
    this.#opts = opts;
    this.#generation = opts.generation;
  }

  /** The generation of the current (or last) wake; each wake adds one. */
  get generation(): number {
    return this.#generation;
  }

  /** The id of the wake under way. */
  get wakeId(): string | undefined {
    return this.#wakeId;
  }

  /** The pull worker holding the wake. */
  get holder(): string | undefined {
    return this.#holder;
  }

  /** The callback token of the wake under way, once issued. */
  get token(): string | undefined {
    return this.#token;
  }

  /** The tails of the linked streams when the wake started (path → offset). */
  get snapshot(): ReadonlyMap<string, string> {
    return this.#snapshot;
  }

  /** Whether a new wake may start: none under way and none held. */
  get idle(): boolean {
    return this.#wakeId === undefined && this.#holder === undefined;
  }

  /** Starts a wake of the next generation covering `tails`. */
  start(tails: ReadonlyMap<string, string>): void {
    this.#generation++;
    this.#wakeId = (this.#opts.newWakeId ?? randomWakeId)();
    this.#snapshot = new Map(tails);
  }

  /** Issues the wake's callback token and starts its lease; returns the token. */
  issueToken(): string {
    this.#token = this.#opts.tokens.issue(this.#opts.subject, this.#generation, this.#opts.clock.now());
    this.extendLease();
    return this.#token;
  }

  /** Throws ALREADY_CLAIMED while a worker holds the wake. */
  assertUnclaimed(): void {
    if (this.#holder !== undefined) {
      throw new SubscriptionError('ALREADY_CLAIMED', 'the wake is claimed by another worker', {
        current_holder: this.#holder,
        generation: this.#generation,
      });
    }
  }

  /** Gives the wake under way to `worker`: ALREADY_CLAIMED when another holds it; returns its token. */
  claim(worker: string): string {
    this.assertUnclaimed();
    this.#holder = worker;
    return this.issueToken();
  }

  /** Restarts the lease from now. */
  extendLease(): void {
    this.#lease?.clear();
    this.#lease = this.#opts.clock.setTimeout(() => {
      this.#lease = undefined;
      this.end();
      this.#opts.onLeaseExpired();
    }, this.#opts.leaseTtlMs);
  }

  /**
   * Lets a request act on the wake under way only with a valid, unexpired token of its generation
   * and the wake's `generation` and `wake_id` in `body`: TOKEN_INVALID, TOKEN_EXPIRED or FENCED.
   */
  fence(token: string, body: unknown): void {
    const claims = this.#opts.tokens.verify(token, this.#opts.subject, this.#opts.clock.now());
    if (typeof claims === 'string') {
      throw new SubscriptionError(claims, claims === 'TOKEN_EXPIRED' ? 'token expired' : 'token invalid');
    }
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (
      claims.generation !== this.#generation ||
      request['generation'] !== this.#generation ||
      this.#wakeId === undefined ||
      request['wake_id'] !== this.#wakeId
    ) {
      throw new SubscriptionError('FENCED', 'wake generation is stale');
    }
  }

  /** Ends the wake under way (its token stops being accepted; the generation stays). */
  end(): void {
    this.#lease?.clear();
    this.#lease = undefined;
    this.#token = undefined;
    this.#holder = undefined;
    this.#wakeId = undefined;
    this.#snapshot.clear();
  }

  /** Stops the lease timer (the manager is closing). */
  stop(): void {
    this.#lease?.clear();
    this.#lease = undefined;
  }
}

function randomWakeId(): string {
  return `w_${randomBytes(12).toString('hex')}`;
}
