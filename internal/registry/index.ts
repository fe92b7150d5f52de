/**
 * Payload types: an optional decoder/validator per type, applied before a message reaches a
 * subscriber.
 */
import { ErrorCode, MessengerError, errorMessage, typeName } from '../errors/index.js';

/** Turns a stored payload into the value handlers receive; throws when the payload is invalid. */
export type PayloadDecoder = (payload: unknown) => unknown;

/** The registered payload types of one Messenger. */
export class PayloadRegistry {
  readonly #decoders = new Map<string, PayloadDecoder | undefined>();

  /** Registers `type`; a second registration of the same type is ERR_PAYLOAD_TYPE_ALREADY_REGISTERED. */
  register(type: string, decode?: PayloadDecoder): void {
    if (typeof type !== 'string') {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `payload type must be a string, not ${typeName(type)}`,
      );
    }
    if (type === '') throw new MessengerError(ErrorCode.INVALID_ARGUMENT, 'payload type must not be empty');
    if (this.#decoders.has(type)) {
      throw new MessengerError(
        ErrorCode.PAYLOAD_TYPE_ALREADY_REGISTERED,
        `payload type already registered: ${JSON.stringify(type)}`,
      );
    }
    this.#decoders.set(type, decode);
  }

  /** Whether `type` is registered. */
  has(type: string): boolean {
    return this.#decoders.has(type);
  }

  /** The registered types, sorted. */
  types(): string[] {
    return [...this.#decoders.keys()].sort();
  }

  /**
   * Decodes `payload` with the decoder of `type`; unregistered types and types without a decoder
   * pass through unchanged. A throwing decoder becomes ERR_PAYLOAD_DECODE.
   */
  decode(type: string, payload: unknown): unknown {
    const decoder = this.#decoders.get(type);
    if (decoder === undefined) return payload;
    try {
      return decoder(payload);
    } catch (err) {
      throw new MessengerError(
        ErrorCode.PAYLOAD_DECODE,
        `payload of type ${JSON.stringify(type)} rejected by its decoder: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }
}
