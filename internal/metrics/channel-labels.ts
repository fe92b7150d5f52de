/**
 * Bounded `channel` label values: the first `max` channels seen keep their name for the life of the
 * process (so their counters never jump between series); later ones share `_other`.
 */
import type { Logger } from '../logger/index.js';

/** The label value of the channels over the cap. */
export const OTHER_CHANNELS = '_other';

/** Hands out `channel` label values, at most `max` distinct names plus {@link OTHER_CHANNELS}. */
export class ChannelLabels {
  readonly #max: number;
  readonly #logger: Logger;
  readonly #named = new Set<string>();
  #overflowLogged = false;

  constructor(max: number, logger: Logger) {
    this.#max = max;
    this.#logger = logger;
  }

  /**
   * Admits `channels` (in name order, for a stable choice at the first scrape) while there is room.
   * The first time one does not fit, logs a warning naming the cap (`metrics.max_channels`).
   */
  admit(channels: Iterable<string>): void {
    for (const channel of [...channels].sort()) {
      if (this.#named.has(channel)) continue;
      if (this.#named.size < this.#max) {
        this.#named.add(channel);
      } else if (!this.#overflowLogged) {
        this.#overflowLogged = true;
        this.#logger.warn(
          { key: 'metrics.max_channels', max: this.#max, firstOver: channel },
          `more channels than metrics.max_channels; the rest are summed under channel="${OTHER_CHANNELS}"`,
        );
      }
    }
  }

  /** The label value of `channel`: its name once admitted, else {@link OTHER_CHANNELS}. */
  label(channel: string): string {
    return this.#named.has(channel) ? channel : OTHER_CHANNELS;
  }
}
