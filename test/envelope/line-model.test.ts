/**
 * The model test of the envelope line's readers: lines mutated at random are read by every consumer
 * of the envelope scanner exactly as `parseEnvelope` reads them, or refused (or handed to
 * `parseEnvelope`). Readers of this instance's own channels (the sender, streams, the dedup rebuild)
 * do not check payloads again; for them a line invalid in its payload only may pass, its header read
 * exactly and its payload handed on as the bytes stored. The streams reader's own lines are not
 * checked in their id and time either, which it does not read.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../internal/dedup/index.js';
import {
  EnvelopeEncoder,
  encodeEnvelope,
  headerOf,
  idOfLine,
  LineMentions,
  parseEnvelope,
  readLine,
  RouteSplice,
  scanHeader,
  StoredLines,
  withoutRouteField,
  type Envelope,
  type LineView,
} from '../../internal/envelope/index.js';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import { PAYLOAD_TYPES } from '../../internal/streams/index.js';
import { LineScanner, type RecordScan } from '../../internal/streams/message-records.js';
import { seededRandom } from '../support/seeded-random.js';

const ID = '01a2096e-c68c-70d8-a297-7fccf69d74c4';
const TS = '2026-11-23T03:29:51.976211599Z';
const SELF = 'hub';
const PEER = 'peer';
const CHANNEL = 'orders';

const own = new EnvelopeEncoder(SELF);
const SPLICE = new RouteSplice(SELF, PEER);
const MENTIONS = new LineMentions(PEER);
/** A streams reader of this instance's channel (its own lines' fast path) and of another one. */
const SCANNERS = [new LineScanner(CHANNEL, SELF), new LineScanner('other', 'nobody')];
/** Lines of every shape the readers meet: published, streams', relayed with routes, Go's, odd ones. */
const BASE_LINES = [
  own
    .line({ id: ID, ts: TS, channel: CHANNEL, payloadType: 'T' }, '{"n":[1,2.5e3,"s"],"t":true}')
    .slice(0, -1),
  own.line({ id: ID, ts: TS, channel: CHANNEL, payloadType: PAYLOAD_TYPES.json }, '{"a":"b"}').slice(0, -1),
  own.line({ id: ID, ts: TS, channel: CHANNEL, payloadType: PAYLOAD_TYPES.text }, '"text é"').slice(0, -1),
  own
    .line({ id: ID, ts: TS, channel: CHANNEL, payloadType: PAYLOAD_TYPES.control }, '{"seq":"1"}')
    .slice(0, -1),
  encodeEnvelope(
    {
      id: ID,
      ts: TS,
      channel: CHANNEL,
      origin: PEER,
      payloadType: 'T',
      correlationId: 'c',
      route: ['a', PEER],
    },
    '[1,"x",null]',
  ),
  encodeEnvelope(
    { id: ID, ts: TS, channel: CHANNEL, origin: 'go', payloadType: 'T', serviceName: 's' },
    '"x"',
  ),
  encodeEnvelope({ id: 'short-id', ts: TS, channel: 'é', origin: PEER, payloadType: 'T' }, '{ "a" : 1 }'),
];
const PIECES = [
  '"',
  '\\',
  ',',
  ':',
  '{',
  '}',
  '[',
  ']',
  ' ',
  '\n',
  '1',
  'a',
  'é',
  'route',
  '"payload":',
  PEER,
];

/** `line` with one to three random deletions, insertions or replacements. */
function mutate(line: string, next: () => number): string {
  let out = line;
  for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
    const at = Math.floor(next() * out.length);
    const piece = PIECES[Math.floor(next() * PIECES.length)] ?? '';
    const kind = next();
    if (kind < 0.4) out = out.slice(0, at) + out.slice(at + 1);
    else if (kind < 0.7) out = out.slice(0, at) + piece + out.slice(at);
    else out = out.slice(0, at) + piece + out.slice(at + 1);
  }
  return out;
}

/** Asserts `actual` equals `expected` (deep), cheaply when it does: 20,000 cases make many checks. */
function same(actual: unknown, expected: unknown, line: string): void {
  if (!isDeepStrictEqual(actual, expected)) same(actual, expected, line);
}

/** Whether `fn` throws. */
function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

/** parseEnvelope's reading of `line`, or undefined when it refuses it. */
function parsed(line: string): Envelope | undefined {
  try {
    return parseEnvelope(line);
  } catch {
    return undefined;
  }
}

/** `header` (a line up to its payload, id and time where this instance writes them) with a valid id and time. */
function withSoundIdAndTime(header: string): string {
  const tsAt = '{"v":1,"id":"'.length + ID.length + '","ts":"'.length;
  return `{"v":1,"id":"${ID}","ts":"${TS}${header.slice(header.indexOf('"', tsAt))}`;
}

/** The routed-by fields of an envelope or a view, to compare. */
function fieldsOf(x: Envelope | LineView): object {
  const payloadType = 'payload_type' in x ? x.payload_type : x.payloadType;
  return { id: x.id, ts: x.ts, channel: x.channel, origin: x.origin, payloadType, route: x.route };
}

/**
 * The header of a line invalid in its payload only, which a reader of trusted lines may pass: the
 * line up to `payloadAt` with a `null` payload is a valid envelope, whose header is returned.
 */
function headerBefore(line: string, payloadAt: number): Envelope {
  const env = parsed(`${line.slice(0, payloadAt)}null}`);
  same(env !== undefined, true, line);
  return env as Envelope;
}

/** The fields an envelope is made of, without any unknown field a line may also hold. */
function knownFields(env: Envelope): Record<string, unknown> {
  const { v, id, ts, channel, origin, payload_type, correlation_id, service_name, route, payload } = env;
  // Empty optional strings are left out when a line is encoded (as Go's omitempty).
  return {
    v,
    id,
    ts,
    channel,
    origin,
    payload_type,
    correlation_id: correlation_id === '' ? undefined : correlation_id,
    service_name: service_name === '' ? undefined : service_name,
    route,
    payload,
  };
}

/** The receiver: readLine, the dedup id read in place, and the route splice (bytes and text). */
function checkReceiver(line: string, env: Envelope | undefined): boolean {
  let view: LineView;
  try {
    view = readLine(line);
  } catch (err) {
    same(hasErrorCode(err, ErrorCode.INVALID_RECORD), true, line);
    same(env, undefined, line);
    return false;
  }
  same(env !== undefined, true, line);
  if (env === undefined) return false;
  same(fieldsOf(view), fieldsOf(env), line);
  if (view.payloadAt >= 0) same(JSON.parse(line.slice(view.payloadAt, view.end - 1)), env.payload, line);
  const bytes = Buffer.from(line);
  const ascii = bytes.length === line.length;
  if (view.idAt >= 0 && ascii) {
    const seen = new SeenIds(8);
    same(seen.seenOrAdd(view.id, bytes, view.idAt), false, line);
    same(seen.has(env.id), true, line);
  }
  for (const relayed of view.route === undefined ? [false, true] : [false]) {
    const added = relayed ? [PEER, SELF] : [SELF];
    const want = { ...env, route: [...(env.route ?? []), ...added] };
    for (const asBytes of ascii ? [true, false] : [false]) {
      const lines = new StoredLines();
      SPLICE.add(lines, view, line, asBytes ? bytes : undefined, relayed);
      const stored = lines.toBuffer().toString();
      same(stored.indexOf('\n'), stored.length - 1, stored);
      // A re-encoded line keeps the envelope's fields only (a field unknown to it is dropped).
      same(knownFields(parseEnvelope(stored.slice(0, -1))), knownFields(want), line);
    }
  }
  return view.envelope === undefined;
}

/** The sender: the byte search never misses a line to leave out, and its header is read exactly. */
function checkSender(line: string, env: Envelope | undefined): void {
  const bytes = Buffer.from(line);
  const header = headerOf(line);
  if (env !== undefined) {
    same(
      { id: header?.id, origin: header?.origin, route: header?.route },
      { id: env.id, origin: env.origin, route: env.route },
      line,
    );
    const peerHasIt = env.origin === PEER || env.route?.includes(PEER) === true;
    if (peerHasIt || env.route !== undefined) same(MENTIONS.in(bytes), true, line);
    if (peerHasIt) same(MENTIONS.firstIn(bytes) >= 0, true, line);
    const bare = knownFields(parseEnvelope(withoutRouteField(line)));
    same(bare, { ...knownFields(env), route: undefined }, line);
  } else {
    const view = scanHeader(line);
    same(header, view, line);
    if (view !== undefined) same(fieldsOf(headerBefore(line, view.payloadAt)), fieldsOf(view), line);
    same(
      throws(() => withoutRouteField(line)),
      true,
      line,
    );
  }
}

/** The dedup rebuild at start (and the id of an oversized record): the id read in place or parsed. */
function checkIdOfLine(line: string, env: Envelope | undefined): void {
  const bytes = Buffer.from(`x\n${line}\ny`);
  const id = idOfLine(bytes, 2, bytes.length - 2);
  if (env !== undefined) same(id, env.id, line);
  else if (id !== undefined) same(line.startsWith(`{"v":1,"id":"${id}"`), true, line);
}

const KINDS = new Map<string, string>([
  [PAYLOAD_TYPES.json, 'json'],
  [PAYLOAD_TYPES.text, 'text'],
  [PAYLOAD_TYPES.bytes, 'bytes'],
  [PAYLOAD_TYPES.control, 'control'],
]);

/** Streams: the kind and payload of a line read from a channel as latin1 bytes, own lines and others. */
function checkStreams(line: string, env: Envelope | undefined): void {
  const text = `\n${Buffer.from(line).toString('latin1')}\n`;
  const end = text.length - 1;
  const scan: RecordScan = { kind: 'foreign', start: 0, end: 0, parsed: undefined };
  for (const scanner of SCANNERS) {
    const ok = scanner.scan(text, 1, end, scan);
    if (!ok) {
      same(env, undefined, line);
      continue;
    }
    const payloadText =
      scan.parsed?.toString('utf8') ??
      Buffer.from(text.slice(scan.start, scan.end), 'latin1').toString('utf8');
    if (env !== undefined) {
      same(scan.kind, KINDS.get(env.payload_type) ?? 'foreign', line);
      same(JSON.parse(payloadText), env.payload, line);
      continue;
    }
    // Invalid in its payload only: the header is exact and the payload is the stored bytes.
    same(scan.parsed, undefined, line);
    // Invalid in its payload only, or (this instance's own lines) in the id or time it does not read.
    const payloadAt = Buffer.from(text.slice(1, scan.start), 'latin1').toString('utf8').length;
    const header = line.slice(0, payloadAt);
    const sound = parsed(`${header}null}`) ? header : withSoundIdAndTime(header);
    same(scan.kind, KINDS.get(headerBefore(sound, sound.length).payload_type) ?? 'foreign', line);
    same(line.slice(payloadAt, -1), payloadText, line);
  }
}

describe('the envelope line model', () => {
  it('reads 20,000 random corruptions of lines as parseEnvelope does, or refuses them, in every consumer', () => {
    const next = seededRandom(20261205);
    const counts = { valid: 0, scanned: 0, refused: 0 };
    for (let i = 0; i < 20_000; i++) {
      const line = mutate(BASE_LINES[i % BASE_LINES.length] ?? '', next);
      const env = parsed(line);
      if (env === undefined) counts.refused++;
      else counts.valid++;
      if (checkReceiver(line, env)) counts.scanned++;
      if (line.includes('\n')) continue; // stored lines never hold one: it separates them
      checkSender(line, env);
      checkIdOfLine(line, env);
      checkStreams(line, env);
    }
    // Both sides are exercised: many corruptions (inside payload strings) keep a line valid and scanned.
    expect(counts.valid).toBeGreaterThan(2000);
    expect(counts.scanned).toBeGreaterThan(1000);
    expect(counts.refused).toBeGreaterThan(5000);
  });
});
