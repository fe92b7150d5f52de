/**
 * The envelope line of a new publish, shared by Messenger and EphemeralMessenger: header from the
 * arguments and the publish context, payload serialised as JSON.
 */
import { EnvelopeEncoder, nowTimestamp } from '../internal/envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../internal/errors/index.js';
import { currentCorrelationId, currentServiceName } from './context.js';

/** Encodes the publishes of one instance. */
export class PublishEncoder {
  readonly #encoder: EnvelopeEncoder;
  readonly #wallClock: () => number;

  /**
   * @param origin - the publishing instance's identity
   * @param wallClock - the wall clock stamping `ts`, in epoch milliseconds (default `Date.now`)
   */
  constructor(origin: string, wallClock: () => number = Date.now) {
    this.#encoder = new EnvelopeEncoder(origin);
    this.#wallClock = wallClock;
  }

  /**
   * The line of a single publish made now: {@link PublishEncoder.line} stamped with the current time
   * and the publish's own correlation id and service name, if it set them.
   */
  lineNow(
    channel: string,
    id: string,
    payloadType: string,
    payload: unknown,
    stamp: { correlationId?: string; serviceName?: string },
  ): string {
    return this.line(
      channel,
      id,
      nowTimestamp(this.#wallClock()),
      payloadType,
      payload,
      stamp.correlationId,
      stamp.serviceName,
    );
  }

  /**
   * One envelope line with its trailing `\n`. `channel` must be a valid channel name. A payload
   * `JSON.stringify` cannot serialise (a cycle, a BigInt) is ERR_INVALID_ARGUMENT; `undefined`
   * becomes `null`. Correlation id and service name default to the publish context.
   */
  line(
    channel: string,
    id: string,
    ts: string,
    payloadType: string,
    payload: unknown,
    correlationId?: string,
    serviceName?: string,
  ): string {
    let payloadJson: string | undefined;
    try {
      payloadJson = JSON.stringify(payload);
    } catch (err) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `publish ${JSON.stringify(channel)}: payload cannot be serialised as JSON: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    return this.#encoder.line(
      id,
      ts,
      channel,
      payloadType,
      payloadJson ?? 'null',
      correlationId ?? currentCorrelationId(),
      serviceName ?? currentServiceName(),
    );
  }
}
