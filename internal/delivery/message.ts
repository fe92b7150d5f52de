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

/** Builds the message for `env` stored at `offset`, with its payload already decoded. */
export function toMessage(env: Envelope, offset: number, payload: unknown): Message {
  return {
    id: env.id,
    channel: env.channel,
    origin: env.origin,
    payloadType: env.payload_type,
    correlationId: env.correlation_id ?? '',
    serviceName: env.service_name ?? '',
    payload,
    timestamp: new Date(env.ts),
    ts: env.ts,
    offset,
    route: env.route ?? [],
  };
}
