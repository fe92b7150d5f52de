/**
 * The records of the streamkit convention, written from docs/conventions/streamkit.md alone (§1–§3,
 * §5.3, §8.2, §9.1): names and channels, strict readers of every record type, and the lines an
 * authority writes. Used by the interop tests as an independent second implementation.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The largest integer a field may hold (§2.1). */
export const MAX_INT = 2 ** 53 - 1;

const STORE_NAME = /^[a-z0-9-]{1,64}$/;
const SPACE_NAME = /^[A-Za-z0-9-][A-Za-z0-9_-]{0,99}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Padded base64 (RFC 4648 §4). */
export const BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `s` is a store name (§1). */
export function isStoreName(s: string): boolean {
  return STORE_NAME.test(s);
}

/** Whether `s` is a space name (§1). */
export function isSpaceName(s: string): boolean {
  return SPACE_NAME.test(s);
}

/** Whether `s` is a segment (§1): 1–1,024 UTF-8 bytes without U+0000. */
export function isSegment(s: string): boolean {
  const bytes = Buffer.byteLength(s, 'utf8');
  return bytes >= 1 && bytes <= 1024 && !s.includes('\u0000');
}

/** Whether `s` is a UUID (RFC 9562 text form). */
export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}

/** The channels of a store (§1). */
export const channels = {
  space: (store: string, space: string): string => `sk.${store}.${space}`,
  requests: (store: string): string => `sk.${store}._req`,
  leases: (store: string): string => `sk.${store}._leases`,
  workers: (store: string): string => `sk.${store}._workers`,
};

/** The payload types of the convention. */
export const Types = {
  entry: 'streamkit.entry.v1',
  abort: 'streamkit.trx-abort.v1',
  status: 'streamkit.segment-status.v1',
  leaseState: 'streamkit.lease-state.v1',
  inventory: 'streamkit.worker-inventory.v1',
  produce: 'streamkit.produce.v1',
  peek: 'streamkit.peek.v1',
  resync: 'streamkit.resync.v1',
  acquire: 'streamkit.lease.acquire.v1',
  renew: 'streamkit.lease.renew.v1',
  release: 'streamkit.lease.release.v1',
  list: 'streamkit.lease.list.v1',
  join: 'streamkit.workers.join.v1',
  workerRenew: 'streamkit.workers.renew.v1',
  leave: 'streamkit.workers.leave.v1',
  watch: 'streamkit.workers.watch.v1',
} as const;

/** `{id, number, index, count}` of an entry (§3). */
export interface Trx {
  id: string;
  number: number;
  index: number;
  count: number;
}

/** An entry's payload (§2.1). */
export interface EntryPayload {
  segment: string;
  sequence: number;
  position: number;
  timestamp: number;
  trx: Trx;
  data?: unknown;
  data_b64?: string;
  metadata?: Record<string, string>;
}

/** An abort marker's payload (§2.2). */
export interface AbortPayload {
  trx_id: string;
  segment: string;
  position: number;
  count: number;
  found: number;
}

/** The envelope fields this convention reads. */
export interface RawEnvelope {
  id: string;
  ts: string;
  channel: string;
  origin: string;
  payload_type: string;
  correlation_id?: string;
  payload: unknown;
}

/** A record of a space channel as this implementation reads it. */
export type SpaceRecord =
  | { kind: 'entry'; env: RawEnvelope; entry: EntryPayload; line: string }
  | { kind: 'abort'; env: RawEnvelope; abort: AbortPayload; line: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `v` is an integer from `min` to 2^53 − 1. */
export function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_INT;
}

/** Whether `v` is an object of strings (metadata). */
export function isStringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** Fails with a message naming `what` unless `ok`. */
function need(ok: boolean, what: string): void {
  if (!ok) throw new Error(`streamkit record: ${what}`);
}

/** Reads one envelope line; throws naming what breaks the envelope shape the convention uses. */
export function parseEnvelope(line: string): RawEnvelope {
  const v: unknown = JSON.parse(line);
  need(isObject(v), 'not an object');
  const e = v as Record<string, unknown>;
  for (const k of ['id', 'ts', 'channel', 'origin', 'payload_type']) need(typeof e[k] === 'string', k);
  return e as unknown as RawEnvelope;
}

/** Reads an entry payload strictly as §2.1 states it; throws naming the broken field. */
export function parseEntry(p: unknown): EntryPayload {
  need(isObject(p), 'entry payload not an object');
  const e = p as Record<string, unknown>;
  need(typeof e['segment'] === 'string' && isSegment(e['segment']), 'segment');
  need(isInt(e['sequence'], 1), 'sequence');
  need(isInt(e['position'], 1), 'position');
  need(isInt(e['timestamp'], 0), 'timestamp');
  const trx = e['trx'];
  need(isObject(trx), 'trx');
  const t = trx as Record<string, unknown>;
  need(isUuid(t['id']), 'trx.id');
  need(isInt(t['number'], 1), 'trx.number');
  need(isInt(t['count'], 1) && t['count'] <= 10_000, 'trx.count');
  need(isInt(t['index'], 0) && t['index'] < (t['count'] as number), 'trx.index');
  need('data' in e !== 'data_b64' in e, 'exactly one of data and data_b64');
  if ('data_b64' in e)
    need(typeof e['data_b64'] === 'string' && BASE64_PADDED.test(e['data_b64']), 'data_b64');
  if ('metadata' in e) need(isStringMap(e['metadata']), 'metadata');
  return e as unknown as EntryPayload;
}

/** Reads an abort payload as §2.2 states it. */
export function parseAbort(p: unknown): AbortPayload {
  need(isObject(p), 'abort payload not an object');
  const a = p as Record<string, unknown>;
  need(isUuid(a['trx_id']), 'trx_id');
  need(typeof a['segment'] === 'string' && isSegment(a['segment']), 'segment');
  need(isInt(a['position'], 1), 'position');
  need(isInt(a['count'], 1), 'count');
  need(isInt(a['found'], 0) && a['found'] < (a['count'] as number), 'found');
  return a as unknown as AbortPayload;
}

/**
 * Reads one line of a space channel: an entry or an abort marker (anything else throws). With
 * `checkTs`, an entry's `ts` must be its timestamp (§2; a writer on the public Messenger API cannot
 * choose `ts`, so lines of the test's own authority are read without it).
 */
export function parseSpaceLine(line: string, checkTs = true): SpaceRecord {
  const env = parseEnvelope(line);
  if (env.payload_type === Types.entry) {
    const entry = parseEntry(env.payload);
    need(env.correlation_id === entry.trx.id, 'correlation_id is the trx id');
    need(
      !checkTs || Date.parse(env.ts) === entry.timestamp,
      `ts ${env.ts} is the entry's timestamp ${entry.timestamp}`,
    );
    return { kind: 'entry', env, entry, line };
  }
  need(env.payload_type === Types.abort, `payload_type ${env.payload_type}`);
  const abort = parseAbort(env.payload);
  need(env.correlation_id === abort.trx_id, 'correlation_id is the trx id');
  return { kind: 'abort', env, abort, line };
}

/** The lines of a channel in a data dir, in order, without their newlines (DESIGN.md §2.1 layout). */
export function channelLines(dataDir: string, channel: string): string[] {
  const dir = path.join(dataDir, 'channels', channel);
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
  return text.split('\n').filter((l) => l !== '');
}

/** Appends raw lines (each gets its `\n`) to a stopped instance's channel, as a torn write leaves them. */
export function appendRawLines(dataDir: string, channel: string, lines: readonly string[]): void {
  const dir = path.join(dataDir, 'channels', channel);
  fs.mkdirSync(dir, { recursive: true });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  const file = path.join(dir, files.at(-1) ?? '00000000000000000000.jsonl');
  fs.appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
}

/** RFC 3339 with nanoseconds, UTC, as keyop formats `ts`. */
export function keyopTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** What the entries of one transaction share (§2.1, §3). */
export interface TrxFields {
  channel: string;
  origin: string;
  segment: string;
  firstSequence: number;
  firstPosition: number;
  timestamp: number;
  trxId: string;
  trxNumber: number;
}

/** One record of a produce (§4.1). */
export interface WireRecord {
  data?: unknown;
  data_b64?: string;
  metadata?: Record<string, string>;
  sequence?: number;
}

/** The entry payloads of a transaction of `records` (§2.1). */
export function entryPayloads(t: TrxFields, records: readonly WireRecord[]): EntryPayload[] {
  return records.map((r, i) => ({
    segment: t.segment,
    sequence: t.firstSequence + i,
    position: t.firstPosition + i,
    timestamp: t.timestamp,
    trx: { id: t.trxId, number: t.trxNumber, index: i, count: records.length },
    ...('data_b64' in r ? { data_b64: r.data_b64 } : { data: r.data }),
    ...(r.metadata === undefined ? {} : { metadata: r.metadata }),
  }));
}

/** A complete envelope line of `payload` on `t.channel`, stamped with the entry timestamp. */
export function envelopeLine(
  t: Pick<TrxFields, 'channel' | 'origin' | 'timestamp'>,
  payloadType: string,
  correlationId: string,
  payload: unknown,
): string {
  return JSON.stringify({
    v: 1,
    id: randomUUID(),
    ts: keyopTimestamp(t.timestamp),
    channel: t.channel,
    origin: t.origin,
    payload_type: payloadType,
    correlation_id: correlationId,
    payload,
  });
}

/** A segment status (§5.3) as it travels. */
export interface WireStatus {
  space: string;
  segment: string;
  first_sequence: number;
  first_timestamp: number;
  last_sequence: number;
  last_timestamp: number;
  heartbeat?: true;
}

/** Reads a status frame strictly (§5.3). */
export function parseStatus(v: unknown): WireStatus {
  need(isObject(v), 'status not an object');
  const s = v as Record<string, unknown>;
  need(typeof s['space'] === 'string' && typeof s['segment'] === 'string', 'status space/segment');
  for (const k of ['first_sequence', 'first_timestamp', 'last_sequence', 'last_timestamp']) {
    need(isInt(s[k], 0), `status ${k}`);
  }
  return s as unknown as WireStatus;
}

/** A lease state (§8.2) as it travels. */
export interface WireLease {
  key: string;
  holder: string | null;
  fence: number;
  expires_at: number;
  event: 'acquired' | 'renewed' | 'released';
}

/** Reads a lease state strictly (§8.2). */
export function parseLease(v: unknown): WireLease {
  need(isObject(v), 'lease not an object');
  const l = v as Record<string, unknown>;
  need(typeof l['key'] === 'string', 'lease key');
  need(l['holder'] === null || typeof l['holder'] === 'string', 'lease holder');
  need(isInt(l['fence'], 1), 'lease fence');
  need(isInt(l['expires_at'], 0), 'lease expires_at');
  need(['acquired', 'renewed', 'released'].includes(l['event'] as string), 'lease event');
  need((l['holder'] === null) === (l['event'] === 'released'), 'holder null exactly after a release');
  need(l['event'] !== 'released' || l['expires_at'] === 0, 'expires_at 0 after a release');
  return l as unknown as WireLease;
}

/** A worker of an inventory (§9.1). */
export interface WireWorker {
  worker_id: string;
  metadata: Record<string, string>;
  last_seen_at: number;
  origin: string;
  registration: string;
  heartbeat_interval_seconds: number;
}

/** An inventory snapshot (§9.1). */
export interface WireInventory {
  workers: WireWorker[];
  timestamp: number;
  version: number;
  change?: { event: 'joined' | 'left' | 'evicted' | 'replaced'; worker_id: string };
}

/** Whether `a` sorts before `b` in UTF-8 byte order. */
export function byteLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;
}

/** Sorts strings in UTF-8 byte order. */
export function byteSorted(values: readonly string[]): string[] {
  return [...values].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Reads an inventory snapshot strictly (§9.1). */
export function parseInventory(v: unknown): WireInventory {
  need(isObject(v), 'inventory not an object');
  const inv = v as Record<string, unknown>;
  need(Array.isArray(inv['workers']), 'workers');
  need(isInt(inv['timestamp'], 0) && isInt(inv['version'], 0), 'timestamp/version');
  const workers = inv['workers'] as unknown[];
  for (const w of workers) {
    need(isObject(w), 'worker');
    const o = w as Record<string, unknown>;
    need(typeof o['worker_id'] === 'string' && isStringMap(o['metadata']), 'worker_id/metadata');
    need(isInt(o['last_seen_at'], 0) && typeof o['origin'] === 'string', 'last_seen_at/origin');
    need(typeof o['registration'] === 'string', 'registration');
    const hb = o['heartbeat_interval_seconds'];
    need(isInt(hb, 1) && hb <= 300, 'heartbeat_interval_seconds');
  }
  const ids = workers.map((w) => (w as WireWorker).worker_id);
  need(ids.join('\u0000') === byteSorted(ids).join('\u0000'), 'workers sorted by worker_id');
  if (inv['change'] !== undefined) {
    const c = inv['change'] as Record<string, unknown>;
    need(['joined', 'left', 'evicted', 'replaced'].includes(c['event'] as string), 'change.event');
    need(typeof c['worker_id'] === 'string', 'change.worker_id');
  }
  return inv as unknown as WireInventory;
}
