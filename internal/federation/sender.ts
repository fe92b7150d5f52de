/**
 * The outbound half of a link for one channel: reads through a cursor, leaves out what the peer
 * already stored (its name is the origin or on the route), sends batches within max_batch_bytes,
 * and advances only after the peer's ack.
 */
import { AuditEvent } from '../audit/index.js';
import type { Cursor, LogRecord } from '../delivery/index.js';
import { parseEnvelope } from '../envelope/index.js';
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
  ids: string[];
  /** Offset to advance to once acknowledged (past every record considered, sent or skipped). */
  next: number;
}

/**
 * Sends the channel to the peer until the link ends or `signal` aborts. Never throws: a lost link
 * simply ends the loop, leaving the cursor at the last acknowledged batch.
 */
export async function runSender(opts: SenderOptions, signal: AbortSignal): Promise<void> {
  const { link, cursor, logger } = opts;
  try {
    while (!signal.aborted) {
      const records = await cursor.next(signal);
      const plan = planBatch(opts, records);
      if (plan.records.length > 0) {
        await link.send(plan.records);
        if (opts.auditForwards) {
          for (const id of plan.ids) {
            opts.ctx.audit.log({
              event: AuditEvent.FORWARD,
              message_id: id,
              channel: opts.channel,
              direction: 'outbound',
              peer: link.peer,
            });
          }
        }
      }
      const persisted = cursor.advance(plan.next);
      if (persisted !== undefined) await persisted;
    }
  } catch (err) {
    if (!signal.aborted)
      logger.warn({ err, peer: link.peer, channel: opts.channel }, 'federation sender stopped');
  }
}

/** Chooses the records of the next frame from a read, in order, within max_batch_bytes. */
function planBatch(opts: SenderOptions, records: readonly LogRecord[]): Planned {
  const { ctx, link, logger } = opts;
  const plan: Planned = { records: [], ids: [], next: records[0]?.offset ?? opts.cursor.position };
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
    let origin: string;
    let route: string[] | undefined;
    let id: string;
    try {
      ({ origin, route, id } = parseEnvelope(record.bytes.toString('utf8')));
    } catch {
      plan.next = record.next;
      continue;
    }
    plan.next = record.next;
    if (origin === link.peer || route?.includes(link.peer) === true) continue;
    plan.records.push(record.bytes);
    plan.ids.push(id);
    frameBytes += FRAME_HEADER_BYTES + size;
  }
  return plan;
}
