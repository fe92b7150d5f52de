/**
 * The envelope: one JSON object per line on disk and per record on the wire, compatible with the Go
 * original (field order v, id, ts, channel, origin, payload_type, correlation_id?, service_name?,
 * route?, payload).
 */
import { ErrorCode, MessengerError } from '../errors/index.js';

/** The only envelope version. */
export const ENVELOPE_VERSION = 1;

/** An envelope as stored and sent. */
export interface Envelope {
  /** Envelope version, always 1. */
  v: number;
  /** Unique id (UUID v7 for envelopes made here). */
  id: string;
  /** RFC3339Nano UTC time of publish. */
  ts: string;
  /** Channel name. */
  channel: string;
  /** Identity of the instance that published it; preserved across hops. */
  origin: string;
  /** Application type name of the payload. */
  payload_type: string;
  /** Correlation id, when the publisher set one. */
  correlation_id?: string;
  /** Publishing service name, when the publisher set one. */
  service_name?: string;
  /** Identities of the instances that stored it, in order (loop prevention). */
  route?: string[];
  /** The payload: any JSON value. */
  payload: unknown;
}

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
  let line = `{"v":1,"id":${JSON.stringify(header.id)},"ts":"${header.ts}","channel":${JSON.stringify(header.channel)},"origin":${JSON.stringify(header.origin)},"payload_type":${JSON.stringify(header.payloadType)}`;
  if (header.correlationId) line += `,"correlation_id":${JSON.stringify(header.correlationId)}`;
  if (header.serviceName) line += `,"service_name":${JSON.stringify(header.serviceName)}`;
  if (header.route !== undefined && header.route.length > 0)
    line += `,"route":${JSON.stringify(header.route)}`;
  return `${line},"payload":${payloadJson}}`;
}

/** Serialises a parsed envelope back to one JSON line, keeping the field order. */
export function encodeParsedEnvelope(env: Envelope): string {
  return encodeEnvelope(
    {
      id: env.id,
      ts: env.ts,
      channel: env.channel,
      origin: env.origin,
      payloadType: env.payload_type,
      correlationId: env.correlation_id,
      serviceName: env.service_name,
      route: env.route,
    },
    JSON.stringify(env.payload) ?? 'null',
  );
}

function invalid(reason: string): MessengerError {
  return new MessengerError(ErrorCode.INVALID_RECORD, `invalid envelope: ${reason}`);
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

/**
 * Parses and checks one envelope line. Throws ERR_INVALID_RECORD for malformed JSON, an unknown
 * version, or a missing or mistyped field.
 */
export function parseEnvelope(line: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw invalid(`malformed JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not a JSON object');
  const env = value as Record<string, unknown>;
  if (env['v'] !== ENVELOPE_VERSION) throw invalid(`unknown envelope version: ${JSON.stringify(env['v'])}`);
  for (const key of ['id', 'ts', 'channel', 'origin', 'payload_type'] as const) {
    if (typeof env[key] !== 'string') throw invalid(`field ${key} must be a string`);
  }
  if (!isOptionalString(env['correlation_id'])) throw invalid('field correlation_id must be a string');
  if (!isOptionalString(env['service_name'])) throw invalid('field service_name must be a string');
  const route = env['route'];
  if (route !== undefined && !(Array.isArray(route) && route.every((r) => typeof r === 'string'))) {
    throw invalid('field route must be an array of strings');
  }
  if (!('payload' in env)) throw invalid('field payload is missing');
  return env as unknown as Envelope;
}
