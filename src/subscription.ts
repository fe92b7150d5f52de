/** The handle a durable subscription returns. */

/** A running durable subscription. */
export interface Subscription {
  /** The channel subscribed to. */
  readonly channel: string;
  /** The subscriber id (its offset file is `subscribers/<channel>/<id>.offset`). */
  readonly id: string;
  /**
   * Resolves when the subscription has ended and its offset is flushed: `undefined` after a normal
   * stop, or the error that ended it. Never rejects.
   */
  readonly closed: Promise<Error | undefined>;
  /**
   * Stops delivery after the in-flight handler call (a message is never skipped) and flushes the
   * offset. The offset file is kept, so subscribing again with the same id resumes.
   */
  stop(): Promise<void>;
  /** Same as {@link Subscription.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
