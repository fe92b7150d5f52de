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
import { newEnvelopeId, nowTimestamp, parseEnvelope, type EnvelopeEncoder } from '../envelope/index.js';

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
  const ts = nowTimestamp(source.clock.now());
  for (const payload of payloads) {
    out += source.encoder.line(newEnvelopeId(), ts, source.channel, payloadType, payload);
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

const HEADER_PREFIX = '{"v":1,"id":';
const TYPE_KEY = ',"payload_type":"';
const PAYLOAD_KEY = ',"payload":';
const OWN_TYPE_PREFIX = 'durable-streams/';
const KINDS = new Map<string, RecordKind>([
  [PAYLOAD_TYPES.json, 'json'],
  [PAYLOAD_TYPES.text, 'text'],
  [PAYLOAD_TYPES.bytes, 'bytes'],
  [PAYLOAD_TYPES.control, 'control'],
]);

/**
 * Classifies the envelope line `text[start, end)` (without its `\n`) into `out`. `text` is a byte
 * string: the channel bytes read as latin1, one character per byte, so positions are byte offsets.
 * Lines in the layout this package and the Go original write (`{"v":1,"id":…`, payload last) are
 * located without parsing; anything else is parsed. Returns false for a line that is not an envelope.
 */
export function scanLine(text: string, start: number, end: number, out: RecordScan): boolean {
  if (
    end - start > HEADER_PREFIX.length + 2 &&
    text.substring(start, start + HEADER_PREFIX.length) === HEADER_PREFIX &&
    text.charCodeAt(end - 1) === 0x7d
  ) {
    const typeAt = text.indexOf(TYPE_KEY, start + HEADER_PREFIX.length);
    const typeStart = typeAt + TYPE_KEY.length;
    const typeEnd = typeAt < 0 || typeAt >= end ? -1 : text.indexOf('"', typeStart);
    const payloadAt = typeEnd < 0 ? -1 : text.indexOf(PAYLOAD_KEY, typeEnd);
    if (payloadAt >= 0 && payloadAt < end) {
      out.kind = kindAt(text, typeStart, typeEnd);
      out.start = payloadAt + PAYLOAD_KEY.length;
      out.end = end - 1;
      out.parsed = undefined;
      return true;
    }
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

/** The kind named by the payload type at `text[start, end)`. */
function kindAt(text: string, start: number, end: number): RecordKind {
  if (text.substring(start, start + OWN_TYPE_PREFIX.length) !== OWN_TYPE_PREFIX) return 'foreign';
  const rest = start + OWN_TYPE_PREFIX.length;
  const length = end - rest;
  return KINDS.get(`${OWN_TYPE_PREFIX}${text.substring(rest, rest + length)}`) ?? 'foreign';
}

const ID_PREFIX = '{"v":1,"id":"';
const AFTER_ID = '","ts":"';
const UUID_LENGTH = 36;
const TS_START = ID_PREFIX.length + UUID_LENGTH + AFTER_ID.length;

/**
 * Scans the lines of one channel, with a fast path for the records the streams layer writes there
 * itself (a UUID id, no optional fields, this channel and origin): one single-character search for
 * the end of the timestamp and one comparison of the rest of the header, which pins the payload's
 * position exactly. Other lines take {@link scanLine}. (String `startsWith` is avoided on purpose:
 * V8 runs it far slower than `substring` equality on the large latin1 strings of a read.)
 */
export class LineScanner {
  /** Offset from the end of the timestamp to the first letter of the payload type's kind. */
  readonly #kindAt: number;
  readonly #headers: ReadonlyMap<number, { kind: RecordKind; header: string }>;

  /**
   * @param channel - the channel being read
   * @param origin - the instance name the streams layer writes as origin
   */
  constructor(channel: string, origin: string) {
    const lead = Buffer.from(
      `","channel":${JSON.stringify(channel)},"origin":${JSON.stringify(origin)},"payload_type":"${OWN_TYPE_PREFIX}`,
    ).toString('latin1');
    this.#kindAt = lead.length;
    this.#headers = new Map(
      (['json', 'text', 'bytes', 'control'] as const).map((kind) => [
        kind.charCodeAt(0),
        { kind, header: `${lead}${kind}"${PAYLOAD_KEY}` },
      ]),
    );
  }

  /** Classifies the line `text[start, end)` into `out`; see {@link scanLine}. */
  scan(text: string, start: number, end: number, out: RecordScan): boolean {
    const own = this.#ownHeader(text, start, end);
    if (own === undefined) return scanLine(text, start, end, out);
    out.kind = own.kind;
    out.start = own.payloadAt;
    out.end = end - 1;
    out.parsed = undefined;
    return true;
  }

  /** True when the line `text[start, end)` is a record the streams layer of this origin wrote here. */
  isOwn(text: string, start: number, end: number): boolean {
    return this.#ownHeader(text, start, end) !== undefined;
  }

  /** The kind and payload position of a line in the streams layer's own layout, or undefined. */
  #ownHeader(text: string, start: number, end: number): { kind: RecordKind; payloadAt: number } | undefined {
    const tsAt = start + TS_START;
    if (
      end <= tsAt ||
      text.substring(start, start + ID_PREFIX.length) !== ID_PREFIX ||
      text.substring(tsAt - AFTER_ID.length, tsAt) !== AFTER_ID ||
      text.charCodeAt(end - 1) !== 0x7d
    ) {
      return undefined;
    }
    const tsEnd = text.indexOf('"', tsAt);
    const own = tsEnd < 0 ? undefined : this.#headers.get(text.charCodeAt(tsEnd + this.#kindAt));
    if (own === undefined || text.substring(tsEnd, tsEnd + own.header.length) !== own.header)
      return undefined;
    return { kind: own.kind, payloadAt: tsEnd + own.header.length };
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
