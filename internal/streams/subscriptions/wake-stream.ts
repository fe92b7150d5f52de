/**
 * Wake events of pull-wake subscriptions: one JSON record appended to the subscription's wake
 * stream, which pull workers read before they claim the wake.
 */
import type { Clock } from '../../clock/index.js';
import type { Logger } from '../../logger/index.js';
import type { StreamService } from '../service.js';

/** One wake as written to a wake stream. */
export interface WakeEvent {
  subscriptionId: string;
  /** The linked stream whose data triggered the wake. */
  stream: string;
  generation: number;
}

/** Appends wake events to wake streams. */
export class WakeStreamWriter {
  readonly #service: StreamService;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(service: StreamService, clock: Clock, logger: Logger) {
    this.#service = service;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Appends `wake` to `wakeStream`; a failure is logged, never thrown. */
  async write(wakeStream: string, wake: WakeEvent): Promise<void> {
    const event = {
      type: 'wake',
      subscription_id: wake.subscriptionId,
      stream: wake.stream,
      generation: wake.generation,
      ts: this.#clock.now(),
    };
    try {
      const stream = await this.#service.get(wakeStream);
      await stream.append({
        contentType: stream.meta.contentType,
        body: Buffer.from(JSON.stringify(event)),
        close: false,
        seq: undefined,
        producer: undefined,
      });
    } catch (err) {
      this.#logger.warn(
        { err, subscription: wake.subscriptionId, wake_stream: wakeStream },
        'could not write a wake event',
      );
    }
  }
}
