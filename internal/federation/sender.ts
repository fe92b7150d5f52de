/**
 * The outbound half of a link for one channel: reads through a cursor, leaves out what the peer
 * already stored (its name is the origin or on the route), sends batches within max_batch_bytes,
 * and advances only after the peer's ack.
 */
import { AuditEvent } from '../audit/index.js';
import type { Cursor, LogRecord } from '../delivery/index.js';
import { parseEnvelope, parseEnvelopeHeader } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './context.js';
import type { Link } from './link.js';
import { FRAME_HEADER_BYTES } from './protocol/index.js';

/** Settings of {@link runSender}. */
export interface SenderOptions {
  ctx: FederationContext;
  link: Link;
  cursor: Cursor;
  channel: string;
  logger: Logger;
  /** Audit each forwarded message (durable links) or not (ephemeral live delivery). */
  auditForwards: boolean;
}

interface Planned {
  records: Buffer[];
  /** Offsets of the first and last record sent. */
  first: number;
  last: number;
  /** Offset to advance to once acknowledged (past every record considered, sent or skipped). */
  next: number;
}

/**
 * Sends the channel to the peer until the link ends or `signal` aborts. Never throws: a lost link
 * simply ends the loop, leaving the cursor at the last acknowledged batch.
 */
export async function runSender(opts: SenderOptions, signal: AbortSignal): Promise<void> {
  const { link, cursor, logger } = opts;
  const needles = {
    route: Buffer.from('"route":'),
    origin: Buffer.from(`"origin":${JSON.stringify(link.peer)}`),
  };
  try {
    while (!signal.aborted) {
      const records = await cursor.next(signal);
      const plan = planBatch(opts, records, needles);
      if (plan.records.length > 0) {
        await link.send(plan.records);
        if (opts.auditForwards) {
          opts.ctx.audit.log({
            event: AuditEvent.FORWARD,
            channel: opts.channel,
            direction: 'outbound',
            peer: link.peer,
            detail: `count=${plan.records.length} offsets=${plan.first}-${plan.last}`,
          });
        }
      }
      const persisted = cursor.advance(plan.next);
      if (persisted !== undefined) await persisted;
    }
  } catch (err) {
    if (signal.aborted) return;
    // Not a lost link: a sender must never stop silently while its link stays up, so the link is
    // closed and the session starts over (the cursor holds the last acknowledged position).
    logger.error(
      { err, peer: link.peer, channel: opts.channel },
      'federation sender failed; closing the link',
    );
    link.close(1011, 'sender failed');
  }
}

/**
 * Chooses the records of the next frame from a read, in order, within max_batch_bytes, leaving out
 * records the peer already stored. A record that mentions neither a route nor the peer as origin
 * (every record published here) is sent without being parsed.
 */
function planBatch(
  opts: SenderOptions,
  records: readonly LogRecord[],
  needles: { route: Buffer; origin: Buffer },
): Planned {
  const { ctx, link, logger } = opts;
  const plan: Planned = {
    records: [],
    first: -1,
    last: -1,
    next: records[0]?.offset ?? opts.cursor.position,
  };
  let frameBytes = 0;
  for (const record of records) {
    const size = record.bytes.length;
    if (size > ctx.maxBatchBytes) {
      logger.warn(
        { peer: link.peer, channel: opts.channel, offset: record.offset, bytes: size },
        'not forwarding a record larger than max_batch_bytes',
      );
      ctx.audit.log({
        event: AuditEvent.OVERSIZED_DROPPED,
        channel: opts.channel,
        direction: 'outbound',
        peer: link.peer,
        detail: `offset=${record.offset} bytes=${size}`,
      });
      plan.next = record.next;
      continue;
    }
    if (plan.records.length > 0 && frameBytes + FRAME_HEADER_BYTES + size > ctx.maxBatchBytes) break;
    plan.next = record.next;
    if (record.bytes.includes(needles.route) || record.bytes.includes(needles.origin)) {
      let header: { origin: string; route?: string[] | undefined };
      try {
        const line = record.bytes.toString('utf8');
        header = parseEnvelopeHeader(line)?.header ?? parseEnvelope(line);
      } catch {
        continue;
      }
      if (header.origin === link.peer || header.route?.includes(link.peer) === true) continue;
    }
    if (plan.first < 0) plan.first = record.offset;
    plan.last = record.offset;
    plan.records.push(record.bytes);
    frameBytes += FRAME_HEADER_BYTES + size;
  }
  return plan;
}
