/**
 * Sessions waiting for channels that do not exist yet: nothing per name but an entry in memory (no
 * folder, cursor file or watch), and one call per waiter when a channel comes to exist, that is when
 * its log is first opened (a publish, an inbound record, an HTTP append).
 */
import type { Storage } from '../storage/index.js';

/** The channels each waiter waits for. */
export class ChannelWaits<W> {
  readonly #storage: Storage;
  readonly #onCreated: (waiter: W, channel: string) => void;
  readonly #byChannel = new Map<string, Set<W>>();
  readonly #byWaiter = new Map<W, Set<string>>();
  readonly #stopListening: () => void;

  /**
   * @param storage - the data dir the channels are created in
   * @param onCreated - called once per waiter and channel when the channel exists (must not throw)
   */
  constructor(storage: Storage, onCreated: (waiter: W, channel: string) => void) {
    this.#storage = storage;
    this.#onCreated = onCreated;
    this.#stopListening = storage.onLogOpened((log) => {
      for (const waiter of [...(this.#byChannel.get(log.channel) ?? [])]) this.#created(waiter, log.channel);
    });
  }

  /**
   * Waits for `channels` on behalf of `waiter`. A channel created since the caller found it missing
   * (before this call) is reported too.
   */
  add(waiter: W, channels: ReadonlySet<string>): void {
    if (channels.size === 0) return;
    this.#byWaiter.set(waiter, new Set(channels));
    for (const channel of channels) {
      let waiters = this.#byChannel.get(channel);
      if (waiters === undefined) {
        waiters = new Set();
        this.#byChannel.set(channel, waiters);
      }
      waiters.add(waiter);
    }
    for (const channel of channels) {
      void this.#storage.hasChannel(channel).then((exists) => {
        if (exists) this.#created(waiter, channel);
      });
    }
  }

  /** The channels `waiter` still waits for. */
  waiting(waiter: W): ReadonlySet<string> {
    return this.#byWaiter.get(waiter) ?? new Set();
  }

  /** Stops waiting on behalf of `waiter` (its session ended). */
  remove(waiter: W): void {
    for (const channel of this.waiting(waiter)) this.#forget(waiter, channel);
    this.#byWaiter.delete(waiter);
  }

  /** Stops listening to the storage. */
  close(): void {
    this.#stopListening();
  }

  #created(waiter: W, channel: string): void {
    if (this.#byWaiter.get(waiter)?.delete(channel) !== true) return;
    this.#forget(waiter, channel);
    this.#onCreated(waiter, channel);
  }

  #forget(waiter: W, channel: string): void {
    const waiters = this.#byChannel.get(channel);
    waiters?.delete(waiter);
    if (waiters?.size === 0) this.#byChannel.delete(channel);
  }
}
