/**
 * Webhook delivery of one subscription's wakes: a signed POST with a timeout, retried on failure by
 * the one {@link Backoff} schedule (1 s doubling to 60 s, ±20 %, from the injected random source)
 * for as long as the wake it carries is still the current one.
 */
import { Backoff, type Clock, type TimerHandle } from '../../clock/index.js';
import type { Logger } from '../../logger/index.js';
import type { WebhookSigner } from './webhook-security.js';

/** Retry schedule of a failed webhook POST. */
export const WEBHOOK_RETRY = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };
/** How long a webhook may take to answer. */
const WEBHOOK_TIMEOUT_MS = 10_000;

/** The wake to post, as it is now. */
export interface WebhookWake {
  readonly wakeId: string;
  /** The JSON body. */
  readonly body: string;
}

/** Settings of a {@link WebhookDelivery}. */
export interface WebhookDeliveryOptions {
  url: string;
  /** The subscription's id, for logs. */
  subscription: string;
  signer: WebhookSigner;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
  /** Random source in [0, 1) of the retry spread. */
  random: () => number;
}

/** Posts the wakes of one webhook subscription. */
export class WebhookDelivery {
  readonly #opts: WebhookDeliveryOptions;
  readonly #backoff: Backoff;
  #retry: TimerHandle | undefined;
  #failed = false;

  constructor(opts: WebhookDeliveryOptions) {
    this.#opts = opts;
    this.#backoff = new Backoff({ ...WEBHOOK_RETRY, random: opts.random });
  }

  /** `failed` from a failed POST until one succeeds. */
  get status(): 'active' | 'failed' {
    return this.#failed ? 'failed' : 'active';
  }

  /**
   * Posts the wake `current()` describes (nothing when it returns undefined) and, when the POST fails,
   * posts again after a backoff delay while `current()` still describes the same wake. `answered`
   * gets the wake id and whether the consumer answered `{"done": true}`.
   */
  async deliver(
    current: () => WebhookWake | undefined,
    answered: (wakeId: string, done: boolean) => void,
  ): Promise<void> {
    const wake = current();
    if (wake === undefined) return;
    const { url, signer, clock } = this.#opts;
    try {
      const response = await this.#opts.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-signature': signer.signatureHeader(wake.body, clock.now()),
        },
        body: wake.body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      const reply = (await response.json().catch(() => undefined)) as { done?: unknown } | undefined;
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      this.#failed = false;
      this.#backoff.reset();
      answered(wake.wakeId, reply?.done === true);
    } catch (err) {
      if (current()?.wakeId !== wake.wakeId) return;
      this.#opts.logger.warn(
        { err, subscription: this.#opts.subscription },
        'webhook delivery failed; retrying',
      );
      this.#failed = true;
      this.#retry?.clear();
      this.#retry = clock.setTimeout(() => {
        this.#retry = undefined;
        void this.deliver(current, answered);
      }, this.#backoff.next());
    }
  }

  /** Cancels a pending retry. */
  cancel(): void {
    this.#retry?.clear();
    this.#retry = undefined;
  }
}
