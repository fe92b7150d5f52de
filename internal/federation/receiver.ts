/**
 * The inbound half of a link: checks every record of a frame (format, policy, loops, duplicates),
 * stores what passes with one append per channel, and builds the ack.
 */
import { AuditEvent } from '../audit/index.js';
import {
  encodeHeaderFields,
  type Envelope,
  parseEnvelope,
  PAYLOAD_KEY,
  payloadKeyOffset,
  readCanonicalLine,
  type EnvelopeHeaderFields,
} from '../envelope/index.js';
import { errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './context.js';
import { inboundRefusal, type ChannelSet } from './policy.js';
import { decodeFrame, recordTexts, type AckMessage } from './protocol/index.js';
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
  readonly #routeField: string;
  readonly #routeInsert: Buffer;
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
    this.#routeField = `,"route":[${JSON.stringify(opts.ctx.name)}]`;
    this.#routeInsert = Buffer.from(this.#routeField);
  }

  /**
   * Stores the acceptable records of `frame` and resolves with the ack: `last_id` is the id of the
   * last record handled; `refused` (ignored by Go peers) lists ids refused by policy. Rejects, and
   * nothing is acknowledged, when a store fails (the peer will resend).
   */
  async handle(frame: Buffer): Promise<AckMessage> {
    const { ctx, peer, accepted, logger } = this.#opts;
    const { records, oversized } = decodeFrame(frame, ctx.maxBatchBytes);
    const refused: string[] = [];
    for (const { record } of oversized) {
      this.counters.oversized++;
      const id = oversizedRecordId(record);
      if (id !== undefined) refused.push(id);
      logger.warn(
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
    const groups = new Map<string, StoredLines>();
    let lastId = '';
    const { texts, ascii } = recordTexts(frame, records);
    for (let i = 0; i < texts.length; i++) {
      let read: ReadRecord;
      try {
        read = readRecord(texts[i] ?? '');
      } catch (err) {
        this.counters.invalid++;
        logger.warn({ err, peer }, 'skipping invalid inbound record');
        continue;
      }
      const env = read.header;
      lastId = env.id;
      // A channel that already has lines in this frame passed the policy check.
      let group = groups.get(env.channel);
      const refusal = group === undefined ? inboundRefusal(accepted, env.channel) : undefined;
      if (refusal !== undefined) {
        this.counters.refused++;
        refused.push(env.id);
        logger.warn(
          { peer, channel: env.channel, message_id: env.id, reason: refusal },
          'inbound message refused by policy',
        );
        ctx.audit.log({
          event: AuditEvent.POLICY_VIOLATION,
          message_id: env.id,
          channel: env.channel,
          direction: 'inbound',
          peer,
          detail: refusal,
        });
        continue;
      }
      if (env.origin === ctx.name || env.route?.includes(ctx.name) === true) {
        this.counters.loops++;
        ctx.audit.log({
          event: AuditEvent.LOOP_DROPPED,
          message_id: env.id,
          channel: env.channel,
          direction: 'inbound',
          peer,
        });
        continue;
      }
      if (ctx.seen.seenOrAdd(env.id)) {
        this.counters.duplicates++;
        continue;
      }
      if (group === undefined) {
        group = new StoredLines(this.#routeInsert);
        groups.set(env.channel, group);
      }
      // In an ASCII record a character index is a byte offset, so the record's bytes can be kept.
      const record = records[i];
      const routeAt = ascii[i] === true ? routeOffset(read) : undefined;
      if (routeAt !== undefined && record !== undefined) {
        const length = read.line.length;
        group.addRecord(env.id, record.length === length ? record : record.subarray(0, length), routeAt);
      } else {
        group.addText(env.id, storedText(read, ctx.name, this.#routeField));
      }
    }
    await Promise.all(
      [...groups].map(async ([channel, group]) => {
        try {
          await ctx.append(channel, group.toBuffer(), group.count);
        } catch (err) {
          for (const id of group.ids) ctx.seen.forget(id);
          throw new Error(
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
  header: EnvelopeHeaderFields;
  /** The record without a trailing newline. */
  line: string;
  /**
   * Where `,"payload":` starts when the payload is last, every other field is known and the line
   * has no raw line feed, so the payload's text can be kept as received; -1 otherwise.
   */
  payloadKeyAt: number;
  /** The record parsed whole, when it was (only then is it needed: payloadKeyAt is -1). */
  parsed: Envelope | undefined;
}

/**
 * Reads a record, payload validated too: the usual shape without building anything but the header,
 * any other by parsing it whole.
 */
function readRecord(record: string): ReadRecord {
  // Records come without a newline; tolerate one (as JSON does), so the payload can still be kept as is.
  const line = record.charCodeAt(record.length - 1) === 10 ? record.slice(0, -1) : record;
  const canonical = readCanonicalLine(line);
  if (canonical !== undefined) {
    return { header: canonical.header, line, payloadKeyAt: canonical.payloadKeyAt, parsed: undefined };
  }
  const parsed = parseEnvelope(line);
  return { header: parsed, line, payloadKeyAt: payloadKeyOffset(line, parsed), parsed };
}

/**
 * Where this instance's route goes in a record of the usual shape without a route yet (before
 * `,"payload":`), so the stored line is the record with the route spliced in; undefined otherwise.
 */
function routeOffset({ header, payloadKeyAt }: ReadRecord): number | undefined {
  return payloadKeyAt >= 0 && header.route === undefined ? payloadKeyAt : undefined;
}

/**
 * The line (with `\n`) this instance stores for a record, as text: the payload is kept as received
 * whenever the record has the usual shape; `routeField` is `,"route":["<self>"]`.
 */
function storedText(read: ReadRecord, self: string, routeField: string): string {
  const { header, line, payloadKeyAt } = read;
  if (payloadKeyAt < 0) return withRoute(header, JSON.stringify(read.parsed?.payload), self);
  if (header.route !== undefined) {
    return withRoute(header, line.slice(payloadKeyAt + PAYLOAD_KEY.length, -1), self);
  }
  return `${line.slice(0, payloadKeyAt)}${routeField}${line.slice(payloadKeyAt)}\n`;
}

/** The envelope line (with `\n`) re-encoded with this instance's name appended to the route. */
function withRoute(env: EnvelopeHeaderFields, payloadJson: string, self: string): string {
  return `${encodeHeaderFields({ ...env, route: [...(env.route ?? []), self] }, payloadJson)}\n`;
}
