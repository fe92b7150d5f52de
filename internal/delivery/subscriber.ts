/**
 * The durable subscriber loop: reads through a cursor, dispatches each message with retries and
 * backoff, dead-letters what keeps failing, and advances only past messages it is done with.
 */
import { Backoff, backoffDelay, type BackoffPolicy, type Clock } from '../clock/index.js';
import { parseEnvelope, type Envelope } from '../envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { PayloadRegistry } from '../registry/index.js';
import type { Cursor } from './cursor.js';
import { toMessage, type Message, type MessageHandler } from './message.js';
import type { LogRecord } from './split-records.js';

/** Settings of a {@link SubscriberLoop}. */
export interface SubscriberOptions {
  id: string;
  cursor: Cursor;
  handler: MessageHandler;
  registry: PayloadRegistry;
  /** Retries after the first attempt; 0 = none. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Writes a dead-letter record; undefined on dead-letter channels (no dead letters of dead letters). */
  deadLetter: ((original: Envelope, error: unknown) => Promise<void>) | undefined;
  clock: Clock;
  logger: Logger;
}

/** Counters of one subscriber. */
export interface SubscriberCounters {
  delivered: number;
  failedAttempts: number;
  deadLettered: number;
  corrupt: number;
  /** Failed dead-letter writes (each retry counts). */
  deadLetterFailures: number;
}

/** One running durable subscription. */
export class SubscriberLoop {
  readonly #opts: SubscriberOptions;
  readonly #stop = new AbortController();
  readonly #logger: Logger;
  /** The schedule of handler, dead-letter and offset-write retries (no random spread). */
  readonly #retrySchedule: BackoffPolicy;
  readonly counters: SubscriberCounters = {
    delivered: 0,
    failedAttempts: 0,
    deadLettered: 0,
    corrupt: 0,
    deadLetterFailures: 0,
  };
  #stalled = false;
  /** Resolves when the loop has ended and its offset is flushed: undefined, or the error that ended it. */
  readonly closed: Promise<Error | undefined>;

  /** Starts the loop at once. */
  constructor(opts: SubscriberOptions) {
    this.#opts = opts;
    this.#retrySchedule = { baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs };
    this.#logger = opts.logger.child({ channel: opts.cursor.log.channel, subscriber: opts.id });
    this.closed = this.#run();
  }

  /** True while a dead-letter write keeps failing: delivery waits on that message, retrying it. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** The subscriber's cursor. */
  get cursor(): Cursor {
    return this.#opts.cursor;
  }

  /** Stops after the in-flight handler call, never skipping a message, and flushes the offset. */
  async stop(): Promise<void> {
    this.#stop.abort(new MessengerError(ErrorCode.SUBSCRIBER_STOPPED, 'subscription stopped'));
    await this.closed;
  }

  async #run(): Promise<Error | undefined> {
    const { cursor } = this.#opts;
    const signal = this.#stop.signal;
    let failure: Error | undefined;
    try {
      while (!signal.aborted) {
        let records: LogRecord[];
        try {
          records = await cursor.next(signal);
        } catch (err) {
          if (signal.aborted) break;
          throw err;
        }
        for (const record of records) {
          if (signal.aborted) break;
          const processed = this.#process(record, signal);
          if (!(typeof processed === 'boolean' ? processed : await processed)) break;
          const persisted = cursor.advance(record.next);
          if (persisted !== undefined) await persisted;
          if (cursor.paused) await cursor.probe(signal, this.#retrySchedule);
        }
      }
    } catch (err) {
      if (!signal.aborted) {
        failure = err instanceof Error ? err : new Error(String(err));
        this.#logger.error({ err }, 'subscriber stopped by an error');
      }
    } finally {
      await cursor.close();
    }
    return failure;
  }

  /**
   * Handles one record; false when the subscription is stopping and the record must not be skipped.
   * The first attempt runs synchronously; only a returned promise or a failure goes asynchronous.
   */
  #process(record: LogRecord, signal: AbortSignal): boolean | Promise<boolean> {
    let env: Envelope;
    try {
      env = parseEnvelope(record.bytes.toString('utf8'));
    } catch (err) {
      this.counters.corrupt++;
      this.#opts.cursor.log.noteSkipped(record.next - record.offset, 1);
      this.#logger.error({ err, offset: record.offset }, 'skipping corrupt record');
      return true;
    }
    let payload: unknown;
    try {
      payload = this.#opts.registry.decode(env.payload_type, env.payload);
    } catch (err) {
      this.#logger.error(
        { err, offset: record.offset, message_id: env.id },
        'payload rejected by its decoder; dead-lettering',
      );
      return this.#giveUp(env, err, signal);
    }
    const message = toMessage(env, record.offset, payload);
    let result: unknown;
    try {
      result = this.#opts.handler(message, { signal, attempt: 0 });
    } catch (err) {
      return this.#retry(env, message, err, signal);
    }
    if (!isThenable(result)) {
      this.counters.delivered++;
      return true;
    }
    return Promise.resolve(result).then(
      () => {
        this.counters.delivered++;
        return true;
      },
      (err: unknown) => this.#retry(env, message, err, signal),
    );
  }

  /** After a failed first attempt: retries with backoff, then dead-letters; false when stopping. */
  async #retry(env: Envelope, message: Message, firstError: unknown, signal: AbortSignal): Promise<boolean> {
    const { maxRetries, clock, handler } = this.#opts;
    let lastError = firstError;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return false;
      this.counters.failedAttempts++;
      this.#logger.warn(
        { err: lastError, message_id: env.id, attempt: attempt - 1, max_retries: maxRetries },
        'handler failed',
      );
      if (attempt > maxRetries) break;
      try {
        await clock.sleep(backoffDelay(this.#retrySchedule, attempt - 1), signal);
      } catch {
        return false;
      }
      if (signal.aborted) return false;
      try {
        const result = handler(message, { signal, attempt });
        if (isThenable(result)) await result;
        this.counters.delivered++;
        return true;
      } catch (err) {
        lastError = err;
      }
    }
    return this.#giveUp(env, lastError, signal);
  }

  /**
   * Dead-letters a message that keeps failing. While the dead-letter write fails, the subscriber
   * stalls on the message and retries the write with backoff (never skipping it); false when
   * stopping.
   */
  async #giveUp(env: Envelope, error: unknown, signal: AbortSignal): Promise<boolean> {
    const { deadLetter, clock } = this.#opts;
    if (deadLetter === undefined) {
      this.#logger.error({ err: error, message_id: env.id }, 'dead-letter handler failed, skipping');
      return true;
    }
    const backoff = new Backoff(this.#retrySchedule);
    for (;;) {
      try {
        await deadLetter(env, error);
        break;
      } catch (err) {
        if (signal.aborted) return false;
        this.#stalled = true;
        this.counters.deadLetterFailures++;
        const failures = backoff.failures;
        if (failures % 10 === 0) {
          this.#logger.error(
            {
              err: new MessengerError(
                ErrorCode.DEAD_LETTER_FAILED,
                `dead-letter write of message ${env.id} failed (${errorMessage(err)}); delivery waits and retries it`,
                { cause: err },
              ),
              message_id: env.id,
              attempt: failures + 1,
            },
            'dead-letter write failed; retrying, the subscriber does not move on',
          );
        }
        try {
          await clock.sleep(backoff.next(), signal);
        } catch {
          return false;
        }
      }
    }
    if (this.#stalled) {
      this.#stalled = false;
      this.#logger.info({ message_id: env.id }, 'dead-letter write recovered');
    }
    this.counters.deadLettered++;
    this.#logger.warn({ message_id: env.id, last_error: errorMessage(error) }, 'message dead-lettered');
    return true;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
