/**
 * The envelope line of a new publish, shared by Messenger and EphemeralMessenger: header from the
 * publish and the caller's context, payload serialised as JSON.
 */
import { ErrorCode, MessengerError, errorMessage, typeName } from '../errors/index.js';
import { EnvelopeEncoder } from './encoder.js';

/** What a publish says that its line is made of. */
export interface PublishFields {
  /** A valid channel name. */
  channel: string;
  /** A UUID (`newEnvelopeId`). */
  id: string;
  /** An RFC 3339 time (`nowTimestamp`). */
  ts: string;
  payloadType: string;
  /** Any value `JSON.stringify` can serialise; `undefined` becomes `null`. */
  payload: unknown;
  /** Default: the publish context's. */
  correlationId?: string | undefined;
  /** Default: the publish context's. */
  serviceName?: string | undefined;
}

/** Where a publish that does not set them takes its correlation id and service name from. */
export interface PublishDefaults {
  correlationId(): string | undefined;
  serviceName(): string | undefined;
}

/** Encodes the publishes of one instance. */
export class PublishEncoder {
  readonly #encoder: EnvelopeEncoder;
  readonly #defaults: PublishDefaults;

  /**
   * @param origin - the publishing instance's identity
   * @param defaults - the correlation id and service name of a publish that sets none
   */
  constructor(origin: string, defaults: PublishDefaults) {
    this.#encoder = new EnvelopeEncoder(origin);
    this.#defaults = defaults;
  }

  /**
   * One envelope line with its trailing `\n`. A payload `JSON.stringify` cannot serialise (a cycle, a
   * BigInt) is ERR_INVALID_ARGUMENT.
   */
  line(fields: PublishFields): string {
    checkText(fields.channel, 'payload type', fields.payloadType);
    if (fields.correlationId !== undefined) checkText(fields.channel, 'correlation id', fields.correlationId);
    if (fields.serviceName !== undefined) checkText(fields.channel, 'service name', fields.serviceName);
    let payloadJson: string | undefined;
    try {
      payloadJson = JSON.stringify(fields.payload);
    } catch (err) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `publish ${JSON.stringify(fields.channel)}: payload cannot be serialised as JSON: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    return this.#encoder.line(
      {
        id: fields.id,
        ts: fields.ts,
        channel: fields.channel,
        payloadType: fields.payloadType,
        correlationId: fields.correlationId ?? this.#defaults.correlationId(),
        serviceName: fields.serviceName ?? this.#defaults.serviceName(),
      },
      payloadJson ?? 'null',
    );
  }
}

/**
 * Throws ERR_INVALID_ARGUMENT unless a JavaScript caller's `value` is a string: anything else would
 * be spelled into the line as something that is not a JSON string.
 */
function checkText(channel: string, what: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `publish ${JSON.stringify(channel)}: ${what} must be a string, not ${typeName(value)}`,
    );
  }
}
