/**
 * Segment-status subscriptions (§5.2): a snapshot first, then one status per committed transaction,
 * coalesced per segment while the handler is busy (latest wins), and optional heartbeats.
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import type { SegmentStatus } from './entry.js';

/** Called with each status, one call at a time. */
export type StatusHandler = (status: SegmentStatus) => void | Promise<void>;

/** Options of a subscription. */
export interface StatusSubscriptionOptions {
  /** Heartbeat interval in seconds, clamped to 1-300; 0 or absent = no heartbeats. */
  heartbeatIntervalSeconds?: number;
}

/** Figures of a subscription. */
export interface StatusSubscriptionStats {
  delivered: number;
  /** Statuses replaced by a newer one of the same segment before delivery. */
  coalesced: number;
  pending: number;
  heartbeats: number;
  /** Handler calls that threw. */
  failures: number;
  lastError: unknown;
}

/** A running subscription. */
export interface StatusSubscription {
  readonly space: string;
  /** The segment, or undefined for every segment of the space. */
  readonly segment: string | undefined;
  stats(): StatusSubscriptionStats;
  /** Stops delivering; resolves once a running handler call returned. */
  unsubscribe(): Promise<void>;
}

/** The heartbeat interval in ms for a requested interval in seconds (0 = none). */
export function heartbeatMs(seconds: number | undefined): number {
  if (seconds === undefined || seconds === 0) return 0;
  return Math.min(300, Math.max(1, Math.round(seconds))) * 1000;
}

class Subscriber implements StatusSubscription {
  readonly space: string;
  readonly segment: string | undefined;
  readonly #handler: StatusHandler;
  readonly #logger: Logger;
  readonly #onStop: () => void;
  readonly #pending = new Map<string, SegmentStatus>();
  readonly #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #deliveredAtLastBeat = 0;
  readonly #stats: StatusSubscriptionStats = {
    delivered: 0,
    coalesced: 0,
    pending: 0,
    heartbeats: 0,
    failures: 0,
    lastError: undefined,
  };

  constructor(
    space: string,
    segment: string | undefined,
    handler: StatusHandler,
    options: { clock: Clock; logger: Logger; heartbeatMs: number; onStop: () => void },
  ) {
    this.space = space;
    this.segment = segment;
    this.#handler = handler;
    this.#logger = options.logger;
    this.#onStop = options.onStop;
    if (options.heartbeatMs > 0) {
      this.#timer = options.clock.setInterval(() => {
        this.#beat();
      }, options.heartbeatMs);
    }
  }

  wants(status: SegmentStatus): boolean {
    return status.space === this.space && (this.segment === undefined || status.segment === this.segment);
  }

  offer(status: SegmentStatus): void {
    if (this.#stopped) return;
    if (this.#pending.has(status.segment)) this.#stats.coalesced++;
    this.#pending.set(status.segment, status);
    this.#pump();
  }

  stats(): StatusSubscriptionStats {
    return { ...this.#stats, pending: this.#pending.size };
  }

  async unsubscribe(): Promise<void> {
    this.#stopped = true;
    this.#timer?.clear();
    this.#pending.clear();
    this.#onStop();
    await this.#running;
  }

  #beat(): void {
    if (this.#stats.delivered !== this.#deliveredAtLastBeat || this.#pending.size > 0 || this.#running) {
      this.#deliveredAtLastBeat = this.#stats.delivered;
      return;
    }
    this.#stats.heartbeats++;
    const beat: SegmentStatus = {
      space: this.space,
      segment: this.segment ?? '*',
      firstSequence: 0,
      firstTimestamp: 0,
      lastSequence: 0,
      lastTimestamp: 0,
      heartbeat: true,
    };
    this.#running = this.#call(beat).finally(() => {
      this.#running = undefined;
      this.#deliveredAtLastBeat = this.#stats.delivered;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  async #drain(): Promise<void> {
    while (!this.#stopped) {
      const next = this.#pending.entries().next();
      if (next.done === true) return;
      const [segment, status] = next.value;
      this.#pending.delete(segment);
      this.#stats.delivered++;
      await this.#call(status);
    }
  }

  async #call(status: SegmentStatus): Promise<void> {
    try {
      await this.#handler(status);
    } catch (err) {
      this.#stats.failures++;
      this.#stats.lastError = err;
      this.#logger.warn({ err, space: this.space, segment: status.segment }, 'status handler failed');
    }
  }
}

/** The subscriptions of one store. */
export class StatusHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #clock: Clock;
  readonly #logger: Logger;

  /**
   * @param clock - heartbeat timers
   * @param logger - handler failures
   */
  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Starts a subscription with its snapshot (statuses sorted as they should be delivered). */
  subscribe(
    space: string,
    segment: string | undefined,
    snapshot: readonly SegmentStatus[],
    handler: StatusHandler,
    options: StatusSubscriptionOptions,
  ): StatusSubscription {
    const subscriber: Subscriber = new Subscriber(space, segment, handler, {
      clock: this.#clock,
      logger: this.#logger,
      heartbeatMs: heartbeatMs(options.heartbeatIntervalSeconds),
      onStop: () => this.#subscribers.delete(subscriber),
    });
    this.#subscribers.add(subscriber);
    for (const status of snapshot) subscriber.offer(status);
    return subscriber;
  }

  /** Offers a committed transaction's status to the subscriptions that want it. */
  publish(status: SegmentStatus): void {
    for (const subscriber of this.#subscribers) if (subscriber.wants(status)) subscriber.offer(status);
  }

  /** Stops every subscription. */
  async close(): Promise<void> {
    await Promise.all([...this.#subscribers].map((s) => s.unsubscribe()));
  }
}
