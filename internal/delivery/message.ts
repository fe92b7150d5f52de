/** The message a subscriber's handler receives. */
import type { Envelope } from '../envelope/index.js';

/** A delivered message. */
export interface Message<T = unknown> {
  /** Envelope id (UUID v7 for messages published by this library). */
  readonly id: string;
  /** Channel it was published on. */
  readonly channel: string;
  /** Identity of the instance that published it. */
  readonly origin: string;
  /** Application payload type. */
  readonly payloadType: string;
  /** Correlation id, or '' when none was set. */
  readonly correlationId: string;
  /** Publishing service name, or '' when none was set. */
  readonly serviceName: string;
  /** The payload, decoded by the registered decoder of its type when there is one. */
  readonly payload: T;
  /** Publish time (millisecond precision; `ts` keeps the nanoseconds). */
  readonly timestamp: Date;
  /** Publish time as stored: RFC3339 with nanoseconds, UTC. */
  readonly ts: string;
  /** Global byte offset of the record in the channel. */
  readonly offset: number;
  /** Instances that stored the message on its way here, in order. */
  readonly route: readonly string[];
}

/** Context passed to a handler with each attempt. */
export interface DeliveryContext {
  /** Aborted when the subscription stops; long handlers should honour it. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry, … */
  readonly attempt: number;
}

/** A subscriber's handler; a throw or a rejected promise is a failed attempt. */
export type MessageHandler<T = unknown> = (message: Message<T>, context: DeliveryContext) => unknown;

/** A delivered message; the `timestamp` Date is built only when read. */
class DeliveredMessage implements Message {
  readonly id: string;
  readonly channel: string;
  readonly origin: string;
  readonly payloadType: string;
  readonly correlationId: string;
  readonly serviceName: string;
  readonly payload: unknown;
  readonly ts: string;
  readonly offset: number;
  readonly route: readonly string[];
  #timestamp: Date | undefined;

  constructor(env: Envelope, offset: number, payload: unknown) {
    this.id = env.id;
    this.channel = env.channel;
    this.origin = env.origin;
    this.payloadType = env.payload_type;
    this.correlationId = env.correlation_id ?? '';
    this.serviceName = env.service_name ?? '';
    this.payload = payload;
    this.ts = env.ts;
    this.offset = offset;
    this.route = env.route ?? [];
  }

  get timestamp(): Date {
    this.#timestamp ??= new Date(this.ts);
    return this.#timestamp;
  }

  toJSON(): Record<string, unknown> {
    const {
      id,
      channel,
      origin,
      payloadType,
      correlationId,
      serviceName,
      payload,
      ts,
      offset,
      route,
      timestamp,
    } = this;
    return {
      id,
      channel,
      origin,
      payloadType,
      correlationId,
      serviceName,
      payload,
      timestamp,
      ts,
      offset,
      route,
    };
  }
}

/** Builds the message for `env` stored at `offset`, with its payload already decoded. */
export function toMessage(env: Envelope, offset: number, payload: unknown): Message {
  return new DeliveredMessage(env, offset, payload);
}
