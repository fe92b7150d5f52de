/**
 * Raw envelopes on raw channels: what another implementation of a channel convention sees of a
 * Messenger. Only the public API (`publish`, `subscribe`) is used, so a test written on this speaks the
 * convention as a stranger would.
 */
import type { Message, Messenger, Subscription } from '../../src/index.js';

/** One envelope as read from a channel: the fields a convention document speaks of. */
export interface RawRecord {
  readonly id: string;
  readonly channel: string;
  readonly origin: string;
  readonly payloadType: string;
  /** `correlation_id`, or '' when the envelope has none. */
  readonly correlationId: string;
  readonly payload: unknown;
}

/** Publishes one envelope; resolves with its id. `correlationId` '' or absent sets no `correlation_id`. */
export async function publishRaw(
  messenger: Messenger,
  channel: string,
  payloadType: string,
  payload: unknown,
  correlationId = '',
): Promise<string> {
  const options = correlationId === '' ? {} : { correlationId };
  const { id } = await messenger.publish(channel, payloadType, payload, options);
  return id;
}

function rawOf(message: Message): RawRecord {
  return {
    id: message.id,
    channel: message.channel,
    origin: message.origin,
    payloadType: message.payloadType,
    correlationId: message.correlationId,
    payload: message.payload,
  };
}

interface Waiter {
  readonly matches: (record: RawRecord) => boolean;
  readonly resolve: (record: RawRecord) => void;
}

/**
 * A durable subscriber on one channel that keeps every record it read, in channel order, and lets a
 * test wait for one (an event, never a time).
 */
export class RawReader {
  /** Every record read so far, in channel order. */
  readonly records: RawRecord[] = [];
  readonly #listeners: ((record: RawRecord) => void)[] = [];
  #waiters: Waiter[] = [];
  #subscription: Subscription | undefined;

  private constructor() {}

  /** Subscribes `subscriberId` to `channel` from its beginning. */
  static async open(messenger: Messenger, channel: string, subscriberId: string): Promise<RawReader> {
    const reader = new RawReader();
    reader.#subscription = await messenger.subscribe(
      channel,
      subscriberId,
      (message) => {
        reader.#take(rawOf(message));
      },
      { from: 'beginning' },
    );
    return reader;
  }

  /** Calls `listener` with every record read from now on, synchronously and in channel order. */
  onRecord(listener: (record: RawRecord) => void): void {
    this.#listeners.push(listener);
  }

  /** The first record (already read or still to come) that `matches`. */
  first(matches: (record: RawRecord) => boolean): Promise<RawRecord> {
    const found = this.records.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ matches, resolve }));
  }

  /** Resolves once `count` records that match have been read; returns them in channel order. */
  async count(matches: (record: RawRecord) => boolean, count: number): Promise<RawRecord[]> {
    for (;;) {
      const found = this.records.filter(matches);
      if (found.length >= count) return found;
      const seen = this.records.length;
      await this.first((r) => matches(r) && this.records.indexOf(r) >= seen);
    }
  }

  /** Stops the subscription. */
  async close(): Promise<void> {
    await this.#subscription?.stop();
  }

  #take(record: RawRecord): void {
    this.records.push(record);
    for (const listener of this.#listeners) listener(record);
    const waiting = this.#waiters;
    this.#waiters = waiting.filter((w) => !w.matches(record));
    for (const w of waiting) if (w.matches(record)) w.resolve(record);
  }
}
