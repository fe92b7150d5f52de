/**
 * The inbound half of a link: checks every record of a frame (format, policy, loops, duplicates),
 * stores what passes with one append per channel, and builds the ack.
 */
import { AuditEvent } from '../audit/index.js';
import {
  CANONICAL_ID_AT,
  encodeHeaderFields,
  type Envelope,
  parseEnvelope,
  PAYLOAD_KEY,
  payloadKeyOffset,
  readCanonicalLine,
} from '../envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './context.js';
import { inboundRefusal, type ChannelSet } from './policy.js';
import { decodeFrame, MAX_ROUTE_BYTES, recordTexts, type AckMessage } from './protocol/index.js';
import { malformedField, routeClaimProblem } from './record-checks.js';
import { receivedRecordFits } from './record-limit.js';
import { StoredLines } from './stored-lines.js';

/** Settings of a {@link Receiver}. */
export interface ReceiverOptions {
  ctx: FederationContext;
  /** The sending peer's identity. */
  peer: string;
  /** Channels accepted from this peer (`undefined`: any). */
  accepted: ChannelSet;
  logger: Logger;
}

/** Counters of a receiver. */
export interface ReceiverCounters {
  stored: number;
  duplicates: number;
  refused: number;
  loops: number;
  invalid: number;
  oversized: number;
}

/** Handles the frames a peer sends. */
export class Receiver {
  readonly #opts: ReceiverOptions;
  /** `,"route":["<self>"]`: what a record without a route gets before its payload. */
  readonly #routeField: RouteInsert;
  /**
   * `,"route":["<peer>","<self>"]`: what a record without a route that the peer relays (its origin
   * is another instance: a Go peer, which drops routes, relayed it) gets, so the route names the
   * peer that vouched for it.
   */
  readonly #relayedRouteField: RouteInsert;
  /** `,"<self>"`: what a record's route gets before its `]`. */
  readonly #routeEntry: RouteInsert;
  readonly counters: ReceiverCounters = {
    stored: 0,
    duplicates: 0,
    refused: 0,
    loops: 0,
    invalid: 0,
    oversized: 0,
  };

  constructor(opts: ReceiverOptions) {
    this.#opts = opts;
    const self = JSON.stringify(opts.ctx.name);
    this.#routeField = routeInsert(`,"route":[${self}]`);
    this.#relayedRouteField = routeInsert(`,"route":[${JSON.stringify(opts.peer)},${self}]`);
    this.#routeEntry = routeInsert(`,${self}`);
  }

  /**
   * Stores the acceptable records of `frame` and resolves with the ack: `last_id` is the id of the
   * last record handled; `refused` (ignored by Go peers) lists ids refused by policy, as malformed
   * or forged, or as too large. Rejects, and nothing is acknowledged, when a store fails (the peer
   * will resend).
   */
  async handle(frame: Buffer): Promise<AckMessage> {
    const { ctx, peer, accepted, logger } = this.#opts;
    // Records are judged without their route: one may exceed the limit by as much as its route.
    const { records, oversized } = decodeFrame(frame, ctx.maxBatchBytes + MAX_ROUTE_BYTES);
    const refused: string[] = [];
    for (const { record } of oversized) this.#dropOversized(record, oversizedRecordId(record), refused);
    const groups = new Map<string, StoredLines>();
    let lastId = '';
    const { texts, ascii } = recordTexts(frame, records);
    const invalid = { count: 0, first: '' };
    for (let i = 0; i < texts.length; i++) {
      let read: ReadRecord;
      try {
        read = readRecord(texts[i] ?? '');
      } catch (err) {
        this.counters.invalid++;
        const problem = errorMessage(err);
        if (invalid.count++ === 0) invalid.first = problem;
        // The peer's fault: no stack, and a few lines however many records.
        ctx.repeatedLines.log(
          logger,
          'warn',
          `${peer}:invalid`,
          { peer, problem },
          'skipping invalid inbound record',
        );
        continue;
      }
      const size = records[i]?.length ?? 0;
      if (size > ctx.maxBatchBytes && !receivedRecordFits(size, read.route, ctx.maxBatchBytes)) {
        this.#dropOversized(records[i] ?? Buffer.alloc(0), read.id, refused);
        continue;
      }
      lastId = read.id;
      if (this.#refusedAsMalformed(read, refused) || this.#refusedAsForged(read, refused)) continue;
      // A channel that already has lines in this frame passed the policy check.
      let group = groups.get(read.channel);
      const refusal = group === undefined ? inboundRefusal(accepted, read.channel) : undefined;
      if (refusal !== undefined) {
        this.counters.refused++;
        this.#refuse(read, refusal, refused);
        continue;
      }
      if (read.origin === ctx.name || read.route?.includes(ctx.name) === true) {
        this.counters.loops++;
        ctx.audit.log({
          event: AuditEvent.LOOP_DROPPED,
          message_id: read.id,
          channel: read.channel,
          direction: 'inbound',
          peer,
        });
        continue;
      }
      // A canonical ASCII record holds its id as bytes at a known place: the set reads it from there.
      const bytes = ascii[i] === true ? records[i] : undefined;
      if (ctx.seen.seenOrAdd(read.id, read.parsed === undefined ? bytes : undefined, CANONICAL_ID_AT)) {
        this.counters.duplicates++;
        continue;
      }
      if (group === undefined) {
        group = new StoredLines();
        groups.set(read.channel, group);
      }
      this.#add(group, read, bytes);
    }
    if (invalid.count > 0) {
      ctx.audit.log({
        event: AuditEvent.INVALID_DROPPED,
        direction: 'inbound',
        peer,
        detail: `count=${invalid.count} first=${invalid.first}`,
      });
    }
    await Promise.all(
      [...groups].map(async ([channel, group]) => {
        try {
          await ctx.append(channel, group.toBuffer(), group.count);
        } catch (err) {
          for (const id of group.ids) ctx.seen.forget(id);
          throw new MessengerError(
            ErrorCode.INBOUND_STORE_FAILED,
            `storing ${group.ids.length} message(s) from ${peer} on channel ${channel} failed: ${errorMessage(err)}`,
            { cause: err },
          );
        }
        this.counters.stored += group.ids.length;
        ctx.audit.logMessages({ event: AuditEvent.FORWARD, channel, direction: 'inbound', peer }, group.ids);
      }),
    );
    return refused.length === 0 ? { last_id: lastId } : { last_id: lastId, refused };
  }

  /** Skips a record too large to store: counted, logged, audited, and refused by id when it has one. */
  #dropOversized(record: Buffer, id: string | undefined, refused: string[]): void {
    const { ctx, peer, logger } = this.#opts;
    this.counters.oversized++;
    if (id !== undefined) refused.push(id);
    ctx.repeatedLines.log(
      logger,
      'warn',
      `${peer}:oversized`,
      { peer, bytes: record.length, max_batch_bytes: ctx.maxBatchBytes, message_id: id },
      'skipping inbound record larger than max_batch_bytes',
    );
    ctx.audit.log({
      event: AuditEvent.OVERSIZED_DROPPED,
      peer,
      direction: 'inbound',
      ...(id === undefined ? {} : { message_id: id }),
      detail: `bytes=${record.length}`,
    });
  }

  /** Refuses a record whose id, time or origin is malformed (counted as invalid); true when it did. */
  #refusedAsMalformed(read: ReadRecord, refused: string[]): boolean {
    const problem = malformedField(read);
    if (problem === undefined) return false;
    this.counters.invalid++;
    this.#refuse(read, problem, refused);
    return true;
  }

  /** Refuses a record whose route the peer could not have sent (counted as refused); true when it did. */
  #refusedAsForged(read: ReadRecord, refused: string[]): boolean {
    const problem = routeClaimProblem(read.route, this.#opts.peer);
    if (problem === undefined) return false;
    this.counters.refused++;
    this.#refuse(read, problem, refused);
    return true;
  }

  /** Logs and audits a refused record (`policy_violation`, `reason` as detail) and lists its id. */
  #refuse(read: ReadRecord, reason: string, refused: string[]): void {
    const { ctx, peer, logger } = this.#opts;
    refused.push(read.id);
    ctx.repeatedLines.log(
      logger,
      'warn',
      `${peer}:refused`,
      { peer, channel: read.channel, message_id: read.id, reason },
      'inbound message refused by policy',
    );
    ctx.audit.log({
      event: AuditEvent.POLICY_VIOLATION,
      message_id: read.id,
      channel: read.channel,
      direction: 'inbound',
      peer,
      detail: reason,
    });
  }

  /**
   * Adds the line stored for `read` to `group`: the record with this instance's name spliced in
   * (after the peer's, when the peer relays a record without a route), as bytes when the record is
   * ASCII (`bytes`: a character index is then a byte offset), as text otherwise; re-encoded when it
   * cannot be spliced.
   */
  #add(group: StoredLines, read: ReadRecord, bytes: Buffer | undefined): void {
    const { id, line, insertAt, parsed } = read;
    const relayed = read.route === undefined && read.origin !== this.#opts.peer;
    if (parsed !== undefined && insertAt < 0) {
      const added = relayed ? [this.#opts.peer, this.#opts.ctx.name] : [this.#opts.ctx.name];
      group.addText(id, reencoded(parsed, added));
      return;
    }
    const insert =
      read.route !== undefined ? this.#routeEntry : relayed ? this.#relayedRouteField : this.#routeField;
    if (bytes !== undefined) {
      const record = bytes.length === line.length ? bytes : bytes.subarray(0, line.length);
      group.addRecord(id, record, insertAt, insert.bytes);
      return;
    }
    group.addText(id, `${line.slice(0, insertAt)}${insert.text}${line.slice(insertAt)}\n`);
  }
}

/** Text spliced into a record, and its bytes. */
interface RouteInsert {
  readonly text: string;
  readonly bytes: Buffer;
}

function routeInsert(text: string): RouteInsert {
  return { text, bytes: Buffer.from(text) };
}

const PAYLOAD_KEY_BYTES = Buffer.from(PAYLOAD_KEY);

/** The id of a record too large to store, read from its header only, so it can be refused by id. */
function oversizedRecordId(record: Buffer): string | undefined {
  const cut = record.indexOf(PAYLOAD_KEY_BYTES);
  if (cut < 0) return undefined;
  try {
    const header = JSON.parse(`${record.toString('utf8', 0, cut)}}`) as { id?: unknown };
    return typeof header.id === 'string' ? header.id : undefined;
  } catch {
    return undefined;
  }
}

/** A checked record. */
interface ReadRecord {
  id: string;
  ts: string;
  channel: string;
  origin: string;
  route: readonly string[] | undefined;
  /** The record without a trailing newline. */
  line: string;
  /**
   * Where this instance's name is spliced in, so the record is stored as received otherwise: before
   * `,"payload":` as a route field when there is no route yet, before the route's `]` as one more
   * entry when there is one (canonical records). -1 when the record is re-encoded instead.
   */
  insertAt: number;
  /** The record parsed whole, when it was: what a re-encoding is made from. */
  parsed: Envelope | undefined;
}

/**
 * Reads a record, payload validated too: the usual shape without building anything but the fields
 * it is routed by, any other by parsing it whole.
 */
function readRecord(record: string): ReadRecord {
  // Records come without a newline; tolerate one (as JSON does), so the payload can still be kept as is.
  const line = record.charCodeAt(record.length - 1) === 10 ? record.slice(0, -1) : record;
  const canonical = readCanonicalLine(line);
  if (canonical !== undefined) {
    const { id, ts, channel, origin, route, payloadKeyAt } = canonical;
    const insertAt = route === undefined ? payloadKeyAt : payloadKeyAt - 1;
    return { id, ts, channel, origin, route, line, insertAt, parsed: undefined };
  }
  const parsed = parseEnvelope(line);
  // Parsed whole, only a record without a route is spliced: a route may not end before the payload.
  const insertAt = parsed.route === undefined ? payloadKeyOffset(line, parsed) : -1;
  const { id, ts, channel, origin, route } = parsed;
  return { id, ts, channel, origin, route, line, insertAt, parsed };
}

/** The line (with `\n`) re-encoded from the parsed record with `added` appended to its route. */
function reencoded(parsed: Envelope, added: readonly string[]): string {
  const route = [...(parsed.route ?? []), ...added];
  return `${encodeHeaderFields({ ...parsed, route }, JSON.stringify(parsed.payload))}\n`;
}
