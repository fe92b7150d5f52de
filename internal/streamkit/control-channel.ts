/**
 * A store's control channel (`sk.<store>._leases`, `sk.<store>._workers`): read from its start at
 * open, then, on an instance that does not write it, followed as federation appends to it.
 */
import type { Envelope } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import type { ChannelLog } from '../storage/index.js';
import { scanLines } from './channel-reader.js';
import { followGrowth } from './follow-growth.js';

/** Reads one control channel in order and hands each envelope to `onRecord`. */
export class ControlChannel {
  readonly #log: ChannelLog;
  readonly #onRecord: (env: Envelope) => void;
  readonly #stop = new AbortController();
  #scanned: number;

  private constructor(log: ChannelLog, onRecord: (env: Envelope) => void) {
    this.#log = log;
    this.#onRecord = onRecord;
    this.#scanned = log.start;
  }

  /** Reads `log` to its end, calling `onRecord` for every envelope. */
  static async read(log: ChannelLog, onRecord: (env: Envelope) => void): Promise<ControlChannel> {
    const channel = new ControlChannel(log, onRecord);
    await channel.#catchUp();
    return channel;
  }

  /** Keeps reading what others append, until {@link ControlChannel.stop}. */
  follow(logger: Logger): void {
    void this.#followLoop().catch((err: unknown) => {
      if (!this.#stop.signal.aborted) logger.error({ err, channel: this.#log.channel }, 'following failed');
    });
  }

  /** Stops following. */
  stop(): void {
    this.#stop.abort();
  }

  #followLoop(): Promise<void> {
    return followGrowth(
      this.#log,
      () => this.#scanned,
      this.#stop.signal,
      () => this.#catchUp(),
    );
  }

  async #catchUp(): Promise<void> {
    this.#scanned = await scanLines(this.#log, this.#scanned, this.#log.end, ({ env }) => {
      if (env !== undefined && !this.#stop.signal.aborted) this.#onRecord(env);
    });
  }
}
