/** Entries, abort markers and segment statuses: their types, and their lines in a space channel (§2). */
import { EnvelopeEncoder, formatMillis, newEnvelopeId, type Envelope } from '../envelope/index.js';
import { badRequest } from './errors.js';

/** Payload type of an entry. */
export const ENTRY_TYPE = 'streamkit.entry.v1';
/** Payload type of an abort marker. */
export const ABORT_TYPE = 'streamkit.trx-abort.v1';
/** Payload type of a segment status (a produce's answer). */
export const STATUS_TYPE = 'streamkit.segment-status.v1';

/** Where an entry belongs in its transaction. */
export interface TrxRef {
  /** The transaction id (a UUID; the idempotency key). */
  id: string;
  /** Per segment: 1 for its first transaction, +1 per transaction. */
  number: number;
  /** Place in the transaction, from 0. */
  index: number;
  /** Entries in the transaction. */
  count: number;
}

/** One record to produce. */
export interface RecordInput {
  /** The record as JSON (any JSON value); give this or `bytes`. */
  data?: unknown;
  /** The record as bytes; give this or `data`. */
  bytes?: Uint8Array;
  /** Optional string metadata. */
  metadata?: Record<string, string>;
  /** The sequence this record must get; checked, never assigned from it. */
  sequence?: number;
}

/** An entry as read. */
export interface StreamEntry {
  space: string;
  segment: string;
  /** Position in the segment (0 for the empty answer of peek). */
  sequence: number;
  /** Position in the space: the portable cursor (0 for the empty answer of peek). */
  position: number;
  /** Unix milliseconds stamped by the authority. */
  timestamp: number;
  trx: TrxRef;
  /** The record as JSON, when it was produced as JSON. */
  data?: unknown;
  /** The record as bytes, when it was produced as bytes. */
  bytes?: Uint8Array;
  metadata?: Record<string, string>;
  /** The instance that wrote it (the authority). */
  origin: string;
}

/** A segment's head, as a produce answers and subscriptions deliver. */
export interface SegmentStatus {
  space: string;
  segment: string;
  firstSequence: number;
  firstTimestamp: number;
  lastSequence: number;
  lastTimestamp: number;
  /** True on heartbeats (then the other figures are 0). */
  heartbeat?: boolean;
}

/** A record checked and with its data already serialised. */
export interface PreparedRecord {
  /** `"data":…` or `"data_b64":…`, plus `,"metadata":…` when given. */
  body: string;
  sequence: number | undefined;
}

/** Checks one record and serialises its data (4000 naming the record when malformed). */
export function prepareRecord(record: RecordInput, index: number): PreparedRecord {
  const where = `record ${index}`;
  if (record === null || typeof record !== 'object') throw badRequest(`${where}: must be an object`);
  const hasData = record.data !== undefined;
  const hasBytes = record.bytes !== undefined;
  if (hasData === hasBytes) throw badRequest(`${where}: give exactly one of data and bytes`);
  let body: string;
  if (hasBytes) {
    if (!(record.bytes instanceof Uint8Array)) throw badRequest(`${where}: bytes must be a Uint8Array`);
    body = `"data_b64":"${Buffer.from(record.bytes.buffer, record.bytes.byteOffset, record.bytes.byteLength).toString('base64')}"`;
  } else {
    const json = JSON.stringify(record.data);
    if (json === undefined) throw badRequest(`${where}: data is not representable as JSON`);
    body = `"data":${json}`;
  }
  if (record.metadata !== undefined) {
    if (record.metadata === null || typeof record.metadata !== 'object' || Array.isArray(record.metadata))
      throw badRequest(`${where}: metadata must be an object of strings`);
    for (const [key, value] of Object.entries(record.metadata)) {
      if (typeof value !== 'string')
        throw badRequest(`${where}: metadata ${JSON.stringify(key)} is not a string`);
    }
    body += `,"metadata":${JSON.stringify(record.metadata)}`;
  }
  const { sequence } = record;
  if (sequence !== undefined && (!Number.isSafeInteger(sequence) || sequence < 1)) {
    throw badRequest(`${where}: sequence must be a whole number ≥ 1`);
  }
  return { body, sequence };
}

/** What the entries of one transaction share. */
export interface TrxHeader {
  channel: string;
  segment: string;
  firstSequence: number;
  firstPosition: number;
  timestamp: number;
  trxId: string;
  trxNumber: number;
  /**
   * The first entry's envelope id, when the trx id is one the authority just made: both are fresh
   * UUIDs, so one serves as both (a caller's trx id never does: a retry must not reuse an envelope id).
   */
  firstId?: string | undefined;
}

/**
 * The envelope lines (each ending in `\n`) of one transaction's entries, in order. What the entries
 * share is serialised once.
 */
export function entryLines(
  encoder: EnvelopeEncoder,
  h: TrxHeader,
  records: readonly PreparedRecord[],
): string[] {
  const ts = stampOf(h.timestamp);
  const segment = `{"segment":${JSON.stringify(h.segment)},"sequence":`;
  const trx = `,"timestamp":${h.timestamp},"trx":{"id":${JSON.stringify(h.trxId)},"number":${h.trxNumber},"index":`;
  const count = `,"count":${records.length}},`;
  return records.map((record, index) => {
    const payload = `${segment}${h.firstSequence + index},"position":${h.firstPosition + index}${trx}${index}${count}${record.body}}`;
    // The store's timestamp is the current time (or just past it): no clock read per entry.
    return encoder.line(
      {
        id: index === 0 && h.firstId !== undefined ? h.firstId : newEnvelopeId(h.timestamp),
        ts,
        channel: h.channel,
        payloadType: ENTRY_TYPE,
        correlationId: h.trxId,
      },
      payload,
    );
  });
}

let lastStampMs = -1;
let lastStamp = '';

/** `formatMillis(ms)`, remembered for the last millisecond (many transactions share one). */
function stampOf(ms: number): string {
  if (ms !== lastStampMs) {
    lastStampMs = ms;
    lastStamp = formatMillis(ms);
  }
  return lastStamp;
}

/** An abort marker's payload. */
export interface AbortMarker {
  trxId: string;
  segment: string;
  position: number;
  count: number;
  found: number;
}

/** The envelope line (ending in `\n`) of an abort marker. */
export function abortLine(encoder: EnvelopeEncoder, channel: string, now: number, m: AbortMarker): string {
  const payload = JSON.stringify({
    trx_id: m.trxId,
    segment: m.segment,
    position: m.position,
    count: m.count,
    found: m.found,
  });
  return encoder.line(
    {
      id: newEnvelopeId(now),
      ts: formatMillis(now),
      channel,
      payloadType: ABORT_TYPE,
      correlationId: m.trxId,
    },
    payload,
  );
}

/** A parsed line of a space channel. */
export type SpaceRecord =
  | { kind: 'entry'; entry: StreamEntry; hasBytes: boolean }
  | { kind: 'abort'; marker: AbortMarker }
  | { kind: 'other' };

/** Reads one envelope of a space channel (`space` for the entry); undefined when malformed. */
export function readSpaceRecord(env: Envelope, space: string): SpaceRecord | undefined {
  const p = env.payload as Record<string, unknown> | null;
  if (p === null || typeof p !== 'object') return undefined;
  if (env.payload_type === ABORT_TYPE) {
    const { trx_id: trxId, segment, position, count, found } = p;
    if (typeof trxId !== 'string' || typeof segment !== 'string') return undefined;
    if (!isCount(position) || !isCount(count) || !isCount(found)) return undefined;
    return { kind: 'abort', marker: { trxId, segment, position, count, found } };
  }
  if (env.payload_type !== ENTRY_TYPE) return { kind: 'other' };
  const entry = entryOf(p, space, env.origin);
  if (entry === undefined || entry.trx.index >= entry.trx.count) return undefined;
  return { kind: 'entry', entry, hasBytes: entry.bytes !== undefined };
}

/** The entry in payload fields `p` (§2.1); undefined when malformed. */
function entryOf(p: Record<string, unknown>, space: string, origin: string): StreamEntry | undefined {
  const { segment, sequence, position, timestamp, trx, data, data_b64: b64, metadata } = p;
  if (typeof segment !== 'string' || !isCount(sequence) || !isCount(position) || !isCount(timestamp))
    return undefined;
  const t = trx as Record<string, unknown> | null;
  if (t === null || typeof t !== 'object' || typeof t.id !== 'string') return undefined;
  if (!isCount(t.number) || !isCount(t.index) || !isCount(t.count)) return undefined;
  const entry: StreamEntry = {
    space,
    segment,
    sequence,
    position,
    timestamp,
    trx: { id: t.id, number: t.number, index: t.index, count: t.count },
    origin,
  };
  if (typeof b64 === 'string') entry.bytes = Buffer.from(b64, 'base64');
  else if (data !== undefined) entry.data = data;
  if (metadata !== null && typeof metadata === 'object') entry.metadata = metadata as Record<string, string>;
  return entry;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The answer of peek for a segment without entries. */
export function emptyEntry(space: string, segment: string): StreamEntry {
  return {
    space,
    segment,
    sequence: 0,
    position: 0,
    timestamp: 0,
    trx: { id: '', number: 0, index: 0, count: 0 },
    origin: '',
  };
}

/** A status as it travels (§5.3). */
export function statusToWire(s: SegmentStatus): Record<string, unknown> {
  return {
    space: s.space,
    segment: s.segment,
    first_sequence: s.firstSequence,
    first_timestamp: s.firstTimestamp,
    last_sequence: s.lastSequence,
    last_timestamp: s.lastTimestamp,
  };
}

/** A status read from the wire; undefined when malformed. */
export function statusFromWire(value: unknown): SegmentStatus | undefined {
  const v = value as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object') return undefined;
  const {
    space,
    segment,
    first_sequence: fs,
    first_timestamp: ft,
    last_sequence: ls,
    last_timestamp: lt,
  } = v;
  if (typeof space !== 'string' || typeof segment !== 'string') return undefined;
  if (!isCount(fs) || !isCount(ft) || !isCount(ls) || !isCount(lt)) return undefined;
  return { space, segment, firstSequence: fs, firstTimestamp: ft, lastSequence: ls, lastTimestamp: lt };
}

/**
 * An entry as it travels and as the CLI prints it: the fields of §2.1 plus `space` and `origin`
 * (`data_b64` for bytes).
 */
export function entryToWire(e: StreamEntry): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    space: e.space,
    segment: e.segment,
    sequence: e.sequence,
    position: e.position,
    timestamp: e.timestamp,
    trx: e.trx,
    origin: e.origin,
  };
  if (e.bytes !== undefined) wire.data_b64 = Buffer.from(e.bytes).toString('base64');
  else if (e.data !== undefined) wire.data = e.data;
  if (e.metadata !== undefined) wire.metadata = e.metadata;
  return wire;
}

/** An entry read from the wire (the form of {@link entryToWire}); undefined when malformed. */
export function entryFromWire(value: unknown): StreamEntry | undefined {
  const v = value as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object') return undefined;
  const { space, origin } = v;
  if (typeof space !== 'string' || typeof origin !== 'string') return undefined;
  return entryOf(v, space, origin);
}
