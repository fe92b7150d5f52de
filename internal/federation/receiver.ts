/**
 * The inbound half of a link: checks every record of a frame (format, policy, loops, duplicates),
 * stores what passes with one append per channel, and builds the ack.
 */
import { AuditEvent } from '../audit/index.js';
import { idOfLine, type LineView, readLine, RouteSplice, StoredLines } from '../envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './federation-context.js';
import { inboundRefusal, type ChannelSet } from './policy.js';
import { decodeFrame, MAX_ROUTE_BYTES, recordTexts, type AckMessage } from './protocol/index.js';
import { malformedField, routeClaimProblem } from './record-checks.js';
import { receivedRecordFits } from './record-limit.js';

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
  /** Adds this instance's name to the route of every record stored. */
  readonly #splice: RouteSplice;
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
    this.#splice = new RouteSplice(opts.ctx.name, opts.peer);
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
      const text = texts[i] ?? '';
      let read: LineView;
      try {
        read = readLine(text);
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
      // An ASCII record read in place holds its id as bytes at `idAt`: the set reads it from there.
      const bytes = ascii[i] === true ? records[i] : undefined;
      if (ctx.seen.seenOrAdd(read.id, read.idAt < 0 ? undefined : bytes, read.idAt)) {
        this.counters.duplicates++;
        continue;
      }
      if (group === undefined) {
        group = new StoredLines();
        groups.set(read.channel, group);
      }
      // A record without a route whose origin is another instance was relayed by the peer (a Go peer,
      // which drops routes): its route then names the peer that vouched for it.
      const relayed = read.route === undefined && read.origin !== peer;
      this.#splice.add(group, read, text, bytes, relayed);
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
  #refusedAsMalformed(read: LineView, refused: string[]): boolean {
    const problem = malformedField(read);
    if (problem === undefined) return false;
    this.counters.invalid++;
    this.#refuse(read, problem, refused);
    return true;
  }

  /** Refuses a record whose route the peer could not have sent (counted as refused); true when it did. */
  #refusedAsForged(read: LineView, refused: string[]): boolean {
    const problem = routeClaimProblem(read.route, this.#opts.peer);
    if (problem === undefined) return false;
    this.counters.refused++;
    this.#refuse(read, problem, refused);
    return true;
  }

  /** Logs and audits a refused record (`policy_violation`, `reason` as detail) and lists its id. */
  #refuse(read: LineView, reason: string, refused: string[]): void {
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
}

/** The id of a record too large to store, read from its header only, so it can be refused by id. */
function oversizedRecordId(record: Buffer): string | undefined {
  return idOfLine(record, 0, record.length);
}
