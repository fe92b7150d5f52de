/**
 * How stream messages live in a channel. Every message is one envelope line whose `payload_type`
 * says how to get the message back:
 *
 * - `durable-streams/json`: the payload is the JSON value (one per flattened element);
 * - `durable-streams/text`: the payload is a string holding the POST body (valid UTF-8 text);
 * - `durable-streams/bytes`: the payload is the POST body in base64;
 * - `durable-streams/control`: not a message; stream state that readers must agree on (closure,
 *   producer and `Stream-Seq` progress), written after the data of the same append, in the same write.
 *
 * Envelopes of any other type (published with `Messenger.publish` or arriving through federation)
 * are messages too: in JSON streams their payload is the message, in other streams the payload's
 * JSON text followed by a newline.
 */
import { isUtf8 } from 'node:buffer';
import { encodeEnvelope, newEnvelopeId, nowTimestamp, parseEnvelope } from '../envelope/index.js';

/** Payload types written by the streams layer. */
export const PAYLOAD_TYPES = {
  json: 'durable-streams/json',
  text: 'durable-streams/text',
  bytes: 'durable-streams/bytes',
  control: 'durable-streams/control',
} as const;

/** What kind of line a channel record is. */
export type RecordKind = 'json' | 'text' | 'bytes' | 'control' | 'foreign';

/** A classified channel record. */
export interface ClassifiedRecord {
  kind: RecordKind;
  /** The payload's JSON text (a view into the line when possible). */
  payload: Buffer;
}

/** Stream state carried by a control record. */
export interface ControlPayload {
  /** The stream is closed after this record. */
  closed?: true;
  /** The idempotent producer whose append this record completes. */
  producer?: { id: string; epoch: number; seq: number };
  /** The `Stream-Seq` of the append this record completes. */
  seq?: string;
}

/** Who writes envelopes: the channel and the instance name used as origin. */
export interface EnvelopeSource {
  channel: string;
  origin: string;
}

/** Encodes payloads (already JSON text) of one type as envelope lines, each ending in `\n`. */
export function encodeLines(
  source: EnvelopeSource,
  payloadType: string,
  payloads: readonly string[],
): string {
  let out = '';
  const ts = nowTimestamp();
  for (const payload of payloads) {
    out += encodeEnvelope(
      { id: newEnvelopeId(), ts, channel: source.channel, origin: source.origin, payloadType },
      payload,
    );
    out += '\n';
  }
  return out;
}

/** The payload JSON for a binary or text body: a string for valid UTF-8 text when `text`, else base64. */
export function bodyPayload(body: Buffer, text: boolean): { payloadType: string; payload: string } {
  const base64 = `"${body.toString('base64')}"`;
  if (text && isUtf8(body)) {
    const json = JSON.stringify(body.toString('utf8'));
    if (json.length <= base64.length) return { payloadType: PAYLOAD_TYPES.text, payload: json };
  }
  return { payloadType: PAYLOAD_TYPES.bytes, payload: base64 };
}

/** Encodes the control record of an append, or returns '' when it carries nothing. */
export function encodeControl(source: EnvelopeSource, control: ControlPayload): string {
  if (control.closed === undefined && control.producer === undefined && control.seq === undefined) return '';
  return encodeLines(source, PAYLOAD_TYPES.control, [JSON.stringify(control)]);
}

const HEADER_PREFIX = Buffer.from('{"v":1,"id":');
const TYPE_KEY = Buffer.from(',"payload_type":"');
const PAYLOAD_KEY = Buffer.from(',"payload":');
const KINDS = new Map<string, RecordKind>([
  [PAYLOAD_TYPES.json, 'json'],
  [PAYLOAD_TYPES.text, 'text'],
  [PAYLOAD_TYPES.bytes, 'bytes'],
  [PAYLOAD_TYPES.control, 'control'],
]);

/**
 * Classifies one envelope line (without its `\n`). Lines in the layout this package and the Go
 * original write (`{"v":1,"id":…`, payload last) are sliced without parsing; anything else is parsed.
 * Returns undefined for a line that is not an envelope.
 */
export function classifyRecord(line: Buffer): ClassifiedRecord | undefined {
  if (
    line.length > HEADER_PREFIX.length + 2 &&
    line.compare(HEADER_PREFIX, 0, HEADER_PREFIX.length, 0, HEADER_PREFIX.length) === 0
  ) {
    const typeAt = line.indexOf(TYPE_KEY, HEADER_PREFIX.length);
    const typeEnd = typeAt < 0 ? -1 : line.indexOf(0x22, typeAt + TYPE_KEY.length);
    const payloadAt = typeEnd < 0 ? -1 : line.indexOf(PAYLOAD_KEY, typeEnd);
    if (payloadAt > 0 && line[line.length - 1] === 0x7d) {
      const type = line.toString('latin1', typeAt + TYPE_KEY.length, typeEnd);
      return {
        kind: KINDS.get(type) ?? 'foreign',
        payload: line.subarray(payloadAt + PAYLOAD_KEY.length, line.length - 1),
      };
    }
  }
  try {
    const env = parseEnvelope(line.toString('utf8'));
    return {
      kind: KINDS.get(env.payload_type) ?? 'foreign',
      payload: Buffer.from(JSON.stringify(env.payload) ?? 'null'),
    };
  } catch {
    return undefined;
  }
}

/** The bytes a non-control record contributes to a text or binary stream. */
export function recordBytes(record: ClassifiedRecord): Buffer {
  const { payload } = record;
  switch (record.kind) {
    case 'bytes':
      return Buffer.from(payload.toString('latin1', 1, payload.length - 1), 'base64');
    case 'text':
      if (payload.indexOf(0x5c) < 0) return payload.subarray(1, payload.length - 1);
      return Buffer.from(JSON.parse(payload.toString('utf8')) as string);
    case 'json':
    case 'control':
    case 'foreign':
      return Buffer.concat([payload, NEWLINE]);
  }
}

const NEWLINE = Buffer.from('\n');

/** Parses a control record's payload; undefined when it is malformed (wrong shape or types). */
export function parseControl(payload: Buffer): ControlPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { closed, producer, seq } = value as Record<string, unknown>;
  const control: ControlPayload = {};
  if (closed !== undefined) {
    if (closed !== true) return undefined;
    control.closed = true;
  }
  if (seq !== undefined) {
    if (typeof seq !== 'string') return undefined;
    control.seq = seq;
  }
  if (producer !== undefined) {
    if (typeof producer !== 'object' || producer === null) return undefined;
    const { id, epoch, seq: producerSeq } = producer as Record<string, unknown>;
    if (typeof id !== 'string' || !isCount(epoch) || !isCount(producerSeq)) return undefined;
    control.producer = { id, epoch, seq: producerSeq };
  }
  return control;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
