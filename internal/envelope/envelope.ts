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

/**
 * Serialises envelope header fields (snake_case, as parsed) and the payload's JSON text to one line
 * (no trailing newline), in the envelope's field order.
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

/** The header fields of an envelope (everything but the payload). */
export type EnvelopeHeaderFields = Omit<Envelope, 'payload'>;

const HEADER_KEYS = new Set([
  'v',
  'id',
  'ts',
  'channel',
  'origin',
  'payload_type',
  'correlation_id',
  'service_name',
  'route',
]);
/** What precedes the payload's JSON text in a line. */
export const PAYLOAD_KEY = ',"payload":';

/**
 * Parses only the header of a line whose payload comes last (as this library and the Go original
 * write them), without parsing the payload. Returns undefined for any other shape (the caller then
 * uses {@link parseEnvelope}); throws ERR_INVALID_RECORD for a header that is present but invalid.
 *
 * Inside a JSON string a quote is always escaped, so the first `,"payload":` of a line can only be a
 * key; a header with an unknown field (which could be an object holding such a key) is not trusted.
 */
export function parseEnvelopeHeader(line: string): EnvelopeHeaderFields | undefined {
  const cut = line.indexOf(PAYLOAD_KEY);
  if (cut < 0 || line.charCodeAt(line.length - 1) !== 125) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(`${line.slice(0, cut)}}`);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  for (const key in value) if (!HEADER_KEYS.has(key)) return undefined;
  checkHeader(value as Record<string, unknown>);
  return value as EnvelopeHeaderFields;
}

/**
 * Where `,"payload":` starts in `line` (already parsed as `env`) when the payload is the line's last
 * field, every other field is a known header field and no raw line feed (JSON whitespace) is inside,
 * so that a field can be inserted before the payload without re-encoding anything and the result is
 * still one line; -1 for any other shape.
 */
export function payloadKeyOffset(line: string, env: Envelope): number {
  if (line.charCodeAt(line.length - 1) !== 125 || line.includes('\n')) return -1;
  let last = '';
  for (const key in env) {
    if (key !== 'payload' && !HEADER_KEYS.has(key)) return -1;
    last = key;
  }
  return last === 'payload' ? line.indexOf(PAYLOAD_KEY) : -1;
}

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
