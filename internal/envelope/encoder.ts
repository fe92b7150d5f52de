/**
 * The envelope encoders: {@link encodeEnvelope} for any header, and {@link EnvelopeEncoder} for the
 * lines one instance publishes, with the JSON of its origin and of recent payload types cached and
 * ids, times and channel names (a UUID, an RFC 3339 time, `[a-zA-Z0-9._-]`: nothing JSON escapes)
 * written as they are. Both write the one layout of `format.ts`.
 */
import type { EnvelopeHeaderFields } from './envelope.js';
import { composeLine, optionalFields } from './format.js';

/** Header fields of a new envelope; the payload is passed already serialised. */
export interface EnvelopeHeader {
  id: string;
  ts: string;
  channel: string;
  origin: string;
  payloadType: string;
  correlationId?: string | undefined;
  serviceName?: string | undefined;
  route?: readonly string[] | undefined;
}

/**
 * Serialises an envelope to one JSON line (no trailing newline). `payloadJson` must be valid JSON.
 * Built by hand: only the payload goes through a full `JSON.stringify`.
 */
export function encodeEnvelope(header: EnvelopeHeader, payloadJson: string): string {
  return composeLine(
    stringContent(header.id),
    stringContent(header.ts),
    stringContent(header.channel),
    JSON.stringify(header.origin),
    JSON.stringify(header.payloadType),
    optionalFields(header.correlationId, header.serviceName, header.route),
    payloadJson,
  );
}

/** `text` as the content of a JSON string: escaped, without its quotes. */
function stringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/**
 * Serialises envelope header fields (snake_case, as parsed) and the payload's JSON text to one line
 * (no trailing newline).
 */
export function encodeHeaderFields(header: EnvelopeHeaderFields, payloadJson: string): string {
  return encodeEnvelope(
    {
      id: header.id,
      ts: header.ts,
      channel: header.channel,
      origin: header.origin,
      payloadType: header.payload_type,
      correlationId: header.correlation_id,
      serviceName: header.service_name,
      route: header.route,
    },
    payloadJson,
  );
}

/** The header of a line one instance publishes: no route, the origin is the encoder's. */
export interface PublishedHeader {
  /** A UUID (as {@link newEnvelopeId} makes). */
  id: string;
  /** An RFC 3339 time (as `nowTimestamp` writes). */
  ts: string;
  /** A valid channel name. */
  channel: string;
  payloadType: string;
  correlationId?: string | undefined;
  serviceName?: string | undefined;
}

const TYPE_CACHE_LIMIT = 1024;

/** Encodes envelopes published by one instance. */
export class EnvelopeEncoder {
  readonly #originJson: string;
  readonly #typeJson = new Map<string, string>();
  /** The last line's correlation id and service name, and their text (the lines of a batch share them). */
  #lastCorrelationId: string | undefined;
  #lastServiceName: string | undefined;
  #lastOptional = '';

  /** @param origin - the publishing instance's identity */
  constructor(origin: string) {
    this.#originJson = JSON.stringify(origin);
  }

  /** One envelope line including its trailing `\n`; `payloadJson` must be valid JSON. */
  line(header: PublishedHeader, payloadJson: string): string {
    const optional =
      header.correlationId || header.serviceName
        ? this.#optional(header.correlationId, header.serviceName)
        : '';
    const line = composeLine(
      header.id,
      header.ts,
      header.channel,
      this.#originJson,
      this.#typeOf(header.payloadType),
      optional,
      payloadJson,
    );
    return `${line}\n`;
  }

  #optional(correlationId: string | undefined, serviceName: string | undefined): string {
    if (correlationId !== this.#lastCorrelationId || serviceName !== this.#lastServiceName) {
      this.#lastCorrelationId = correlationId;
      this.#lastServiceName = serviceName;
      this.#lastOptional = optionalFields(correlationId, serviceName, undefined);
    }
    return this.#lastOptional;
  }

  #typeOf(payloadType: string): string {
    let json = this.#typeJson.get(payloadType);
    if (json === undefined) {
      json = JSON.stringify(payloadType);
      if (this.#typeJson.size >= TYPE_CACHE_LIMIT) this.#typeJson.clear();
      this.#typeJson.set(payloadType, json);
    }
    return json;
  }
}
