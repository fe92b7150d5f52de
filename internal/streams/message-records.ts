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
import type { Clock } from '../clock/index.js';
import {
  KnownLines,
  locatePayload,
  newEnvelopeId,
  nowTimestamp,
  parseEnvelope,
  type EnvelopeEncoder,
  type PayloadPlace,
} from '../envelope/index.js';

/** Payload types written by the streams layer. */
export const PAYLOAD_TYPES = {
  json: 'durable-streams/json',
  text: 'durable-streams/text',
  bytes: 'durable-streams/bytes',
  control: 'durable-streams/control',
} as const;

/** What kind of line a channel record is. */
export type RecordKind = 'json' | 'text' | 'bytes' | 'control' | 'foreign';

/** Where a record's payload is: bytes `[start, end)` of the line's buffer, or `parsed` when it was re-encoded. */
export interface RecordScan {
  kind: RecordKind;
  start: number;
  end: number;
  /** The payload JSON (UTF-8) when the line had to be parsed; then `start`/`end` are unused. */
  parsed: Buffer | undefined;
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

/**
 * Who writes envelopes: the channel (a valid channel name), the encoder of this instance (its
 * origin), and the clock whose time stamps them.
 */
export interface EnvelopeSource {
  channel: string;
  encoder: EnvelopeEncoder;
  clock: Clock;
}

/** Encodes payloads (already JSON text) of one type as envelope lines, each ending in `\n`. */
export function encodeLines(
  source: EnvelopeSource,
  payloadType: string,
  payloads: readonly string[],
): string {
  let out = '';
  const now = source.clock.now();
  const ts = nowTimestamp(now);
  for (const payload of payloads) {
    out += source.encoder.line({ id: newEnvelopeId(now), ts, channel: source.channel, payloadType }, payload);
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

const KINDS = new Map<string, RecordKind>([
  [PAYLOAD_TYPES.json, 'json'],
  [PAYLOAD_TYPES.text, 'text'],
  [PAYLOAD_TYPES.bytes, 'bytes'],
  [PAYLOAD_TYPES.control, 'control'],
]);

/** Where {@link scanLine} has the envelope scanner put what it finds (reads are synchronous). */
const place: PayloadPlace = { payloadType: '', payloadAt: 0 };

/**
 * Classifies the envelope line `text[start, end)` (without its `\n`) into `out`. `text` is a byte
 * string: the channel bytes read as latin1, one character per byte, so positions are byte offsets.
 * Lines in the usual layout are located with the envelope scanner (their payload, stored by this
 * instance, is not checked again); anything else is parsed. Returns false for a line that is not an
 * envelope.
 */
export function scanLine(text: string, start: number, end: number, out: RecordScan): boolean {
  if (locatePayload(text, start, end, place)) {
    out.kind = KINDS.get(place.payloadType) ?? 'foreign';
    out.start = place.payloadAt;
    out.end = end - 1;
    out.parsed = undefined;
    return true;
  }
  try {
    const env = parseEnvelope(utf8Of(text.slice(start, end)));
    out.kind = KINDS.get(env.payload_type) ?? 'foreign';
    out.parsed = Buffer.from(JSON.stringify(env.payload) ?? 'null');
    return true;
  } catch {
    return false;
  }
}

/**
 * Scans the lines of one channel, with a fast path for the records the streams layer writes there
 * itself (a UUID id, no optional fields, this channel and origin: `KnownLines`). Other lines take
 * {@link scanLine}.
 */
export class LineScanner {
  readonly #own: KnownLines<RecordKind>;

  /**
   * @param channel - the channel being read
   * @param origin - the instance name the streams layer writes as origin
   */
  constructor(channel: string, origin: string) {
    this.#own = new KnownLines(channel, origin, KINDS);
  }

  /** Classifies the line `text[start, end)` into `out`; see {@link scanLine}. */
  scan(text: string, start: number, end: number, out: RecordScan): boolean {
    const own = this.#own.match(text, start, end);
    if (own === undefined) return scanLine(text, start, end, out);
    out.kind = own.tag;
    out.start = own.payloadAt;
    out.end = end - 1;
    out.parsed = undefined;
    return true;
  }

  /** True when the line `text[start, end)` is a record the streams layer of this origin wrote here. */
  isOwn(text: string, start: number, end: number): boolean {
    return this.#own.match(text, start, end) !== undefined;
  }
}

/** Decodes a byte string (latin1) as UTF-8. */
export function utf8Of(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Parses a control record's payload; undefined when it is malformed (wrong shape or types). */
export function parseControl(payload: string): ControlPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(utf8Of(payload));
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
