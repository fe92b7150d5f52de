/**
 * The worker side of presence (§9.3): join, renew at the interval the authority answered, join again
 * when the authority no longer knows the registration (evicted, or the authority lost it), and stop
 * when another join took the id.
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import type { Logger } from '../logger/index.js';
import type { Coordinator } from './coordination-rpc.js';
import { WorkerGoneError } from './errors.js';
import type { WorkerRegistration } from './worker-registry.js';

/** Options of a join. */
export interface JoinOptions {
  /** The renewal interval asked for, seconds (default 30, clamped to 1-300 by the authority). */
  heartbeatIntervalSeconds?: number;
  /** Called once when another join took this worker id (renewals stop). */
  onReplaced?: (err: WorkerGoneError) => void;
}

/** A joined worker. */
export interface WorkerPresence {
  /** The worker id. */
  readonly workerId: string;
  /** The current registration id (changes when the worker had to join again). */
  readonly registration: string;
  /** The renewal interval the authority set, seconds. */
  readonly heartbeatIntervalSeconds: number;
  /** Stops renewing and leaves the inventory. */
  leave(): Promise<void>;
}

/** What a worker needs. */
export interface PresenceClient {
  coordinator: Coordinator;
  clock: Clock;
  logger: Logger;
  /** Aborted when the store closes: renewals stop (the worker is evicted unless it left). */
  closed: AbortSignal;
}

/** Joins `workerId` with `metadata` and keeps it registered until `leave()`. */
export async function joinWorkers(
  client: PresenceClient,
  workerId: string,
  metadata: Record<string, string>,
  options: JoinOptions = {},
): Promise<WorkerPresence> {
  const joined = await client.coordinator.join(workerId, metadata, options.heartbeatIntervalSeconds);
  return new JoinedWorker(client, metadata, options, joined);
}

class JoinedWorker implements WorkerPresence {
  readonly workerId: string;
  readonly #client: PresenceClient;
  readonly #metadata: Record<string, string>;
  readonly #options: JoinOptions;
  #joined: WorkerRegistration;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(
    client: PresenceClient,
    metadata: Record<string, string>,
    options: JoinOptions,
    joined: WorkerRegistration,
  ) {
    this.workerId = joined.workerId;
    this.#client = client;
    this.#metadata = metadata;
    this.#options = options;
    this.#joined = joined;
    client.closed.addEventListener(
      'abort',
      () => {
        this.#stop();
      },
      { once: true },
    );
    this.#schedule();
  }

  get registration(): string {
    return this.#joined.registration;
  }

  get heartbeatIntervalSeconds(): number {
    return this.#joined.heartbeatIntervalSeconds;
  }

  async leave(): Promise<void> {
    if (this.#stopped) return;
    this.#stop();
    await this.#client.coordinator.leave(this.workerId, this.#joined.registration);
  }

  #stop(): void {
    this.#stopped = true;
    this.#timer?.clear();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#client.clock.setTimeout(() => {
      void this.#renew().finally(() => {
        this.#schedule();
      });
    }, this.#joined.heartbeatIntervalSeconds * 1000);
  }

  async #renew(): Promise<void> {
    const { coordinator, logger } = this.#client;
    try {
      await coordinator.renewWorker(this.workerId, this.#joined.registration);
    } catch (err) {
      if (this.#stopped) return;
      if (err instanceof WorkerGoneError && err.reason === 'replaced') {
        this.#stop();
        logger.warn({ worker: this.workerId }, 'worker registered again elsewhere; renewals stopped');
        this.#options.onReplaced?.(err);
        return;
      }
      if (err instanceof WorkerGoneError) {
        logger.warn({ worker: this.workerId }, 'worker no longer registered; joining again');
        await this.#rejoin();
        return;
      }
      logger.warn({ err, worker: this.workerId }, 'worker renewal failed; retrying at the next interval');
    }
  }

  async #rejoin(): Promise<void> {
    try {
      this.#joined = await this.#client.coordinator.join(
        this.workerId,
        this.#metadata,
        this.#options.heartbeatIntervalSeconds,
      );
    } catch (err) {
      this.#client.logger.warn({ err, worker: this.workerId }, 'joining again failed; retrying');
    }
  }
}
