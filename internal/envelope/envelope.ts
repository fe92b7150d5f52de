/**
 * The envelope: one JSON object per line on disk and per record on the wire, compatible with the Go
 * original (its layout is in `format.ts`), and its validating parser, which reads any JSON object of
 * the right fields and is the fallback of the scanner (`scan.ts`).
 */
import { ErrorCode, MessengerError } from '../errors/index.js';
import { ENVELOPE_VERSION } from './format.js';

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

/** The header fields of an envelope (everything but the payload). */
export type EnvelopeHeaderFields = Omit<Envelope, 'payload'>;

function invalid(reason: string): MessengerError {
  return new MessengerError(ErrorCode.INVALID_RECORD, `invalid envelope: ${reason}`);
}

function mistyped(field: string): MessengerError {
  return invalid(`field ${field} must be a string`);
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
  checkHeader(env);
  if (!('payload' in env)) throw invalid('field payload is missing');
  return env as unknown as Envelope;
}

/** Checks the version and the header fields' types; throws ERR_INVALID_RECORD. */
function checkHeader(env: Record<string, unknown>): void {
  if (env['v'] !== ENVELOPE_VERSION) throw invalid(`unknown envelope version: ${JSON.stringify(env['v'])}`);
  // One named read per field (a loop over the names would make every read a megamorphic keyed load).
  if (typeof env['id'] !== 'string') throw mistyped('id');
  if (typeof env['ts'] !== 'string') throw mistyped('ts');
  if (typeof env['channel'] !== 'string') throw mistyped('channel');
  if (typeof env['origin'] !== 'string') throw mistyped('origin');
  if (typeof env['payload_type'] !== 'string') throw mistyped('payload_type');
  if (!isOptionalString(env['correlation_id'])) throw invalid('field correlation_id must be a string');
  if (!isOptionalString(env['service_name'])) throw invalid('field service_name must be a string');
  const route = env['route'];
  if (route !== undefined && !(Array.isArray(route) && route.every((r) => typeof r === 'string'))) {
    throw invalid('field route must be an array of strings');
  }
}
