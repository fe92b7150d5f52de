/**
 * The outbound half of a link for one channel: reads through a cursor, leaves out what the peer
 * already stored (its name is the origin or on the route) and what it would refuse as too large,
 * sends frames of up to 64 KiB (a larger record alone), and advances only after the peer's ack.
 */
import { AuditEvent } from '../audit/index.js';
import type { Cursor, LogRecord } from '../delivery/index.js';
import { headerOf, LineMentions } from '../envelope/index.js';
import { ErrorCode, errorMessage, hasErrorCode } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { FederationContext } from './federation-context.js';
import type { Link } from './link.js';
import { FRAME_HEADER_BYTES, IN_FLIGHT_BYTES, frameBytesFor } from './protocol/index.js';
import { fitOversizedLine, type PeerRecordLimit } from './record-limit.js';

/** Frames' worth of records a sender's cursor reads at a time. */
const READ_AHEAD_FRAMES = 8;

/**
 * Bytes a sender's cursor reads at a time: several frames' worth, so that a peer catching up gets
 * its next frames from memory while earlier ones are acknowledged (a longer record is read whole).
 */
export function senderReadBytes(maxBatchBytes: number): number {
  return READ_AHEAD_FRAMES * frameBytesFor(maxBatchBytes);
}

/** Settings of {@link runSender}. */
export interface SenderOptions {
  ctx: FederationContext;
  link: Link;
  cursor: Cursor;
  channel: string;
  /** What the peer accepts of a record's size. */
  limit: PeerRecordLimit;
  logger: Logger;
  /** Audit each forwarded message (durable links) or not (ephemeral live delivery). */
  auditForwards: boolean;
}

interface Planned {
  records: Buffer[];
  /** Bytes of the frame (length prefixes included). */
  bytes: number;
  /** Offsets of the first and last record sent. */
  first: number;
  last: number;
  /** Offset to advance to once acknowledged (past every record considered, sent or skipped). */
  next: number;
}

/** A frame sent and not yet acknowledged, with where the cursor goes once it is. */
interface Unacked {
  ack: Promise<unknown>;
  plan: Planned;
}

/**
 * Sends the channel to the peer until the link ends or `signal` aborts. Keeps up to the link's
 * window of frames unacknowledged, and no more than {@link IN_FLIGHT_BYTES} past the first (frames
 * holding one large record each would otherwise multiply the window), reading ahead of the cursor,
 * which advances past each frame only once its ack is in (acks come in order). Never throws: a lost
 * link simply ends the loop, leaving the cursor at the last acknowledged frame.
 */
export async function runSender(opts: SenderOptions, signal: AbortSignal): Promise<void> {
  const { link, cursor, logger } = opts;
  // Byte searches pick the records worth reading (a route, or the peer as origin).
  const mentions = new LineMentions(link.peer);
  const unacked: Unacked[] = [];
  let unackedBytes = 0;
  const settleOldest = async (): Promise<void> => {
    const oldest = unacked.shift();
    unackedBytes -= oldest?.plan.bytes ?? 0;
    await settle(opts, oldest);
  };
  let readFrom = cursor.position;
  try {
    while (!signal.aborted) {
      if (unacked.length >= link.framesInFlight || (unacked.length > 0 && unackedBytes >= IN_FLIGHT_BYTES)) {
        await settleOldest();
        continue;
      }
      // At the tail with frames unacknowledged: settle the oldest once its ack is in (so the cursor
      // never lags while idle), unless new records come first; those go out at once, within the window.
      const oldest = unacked[0];
      if (oldest !== undefined && !cursor.hasMore(readFrom)) {
        if (await ackBeforeGrowth(oldest.ack, cursor, readFrom)) await settleOldest();
        continue;
      }
      const records = await cursor.next(signal, readFrom);
      const plan = planBatch(opts, records, mentions, readFrom);
      readFrom = plan.next;
      const ack = plan.records.length > 0 ? link.send(plan.records) : Promise.resolve();
      ack.catch(() => undefined); // awaited in settle(); a lost link must not go unhandled meanwhile
      unacked.push({ ack, plan });
      unackedBytes += plan.bytes;
    }
  } catch (err) {
    if (signal.aborted) return;
    if (hasErrorCode(err, ErrorCode.LINK_LOST)) {
      // Expected operation: the link is going away (its end is logged by whoever owns it); the
      // cursor holds the last acknowledged position for the next session.
      logger.info(
        { peer: link.peer, channel: opts.channel, reason: errorMessage(err) },
        'federation link lost while sending; resuming from the last acknowledged frame on the next connection',
      );
      link.close(1001, 'link lost');
      return;
    }
    // Not a lost link: a sender must never stop silently while its link stays up, so the link is
    // closed and the session starts over (the cursor holds the last acknowledged position).
    logger.error(
      { err, peer: link.peer, channel: opts.channel },
      'federation sender failed; closing the link',
    );
    link.close(1011, 'sender failed');
  }
}

/** Whether `ack` settles (either way) before the cursor's channel grows past `seenEnd`. */
function ackBeforeGrowth(ack: Promise<unknown>, cursor: Cursor, seenEnd: number): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = cursor.onGrowth(seenEnd, () => {
      resolve(false);
    });
    const acked = (): void => {
      cancel();
      resolve(true);
    };
    ack.then(acked, acked);
  });
}

/** Waits for the oldest frame's ack, audits it, and advances the cursor past it. */
async function settle(opts: SenderOptions, frame: Unacked | undefined): Promise<void> {
  if (frame === undefined) return;
  const { plan } = frame;
  await frame.ack;
  if (plan.records.length > 0 && opts.auditForwards) {
    opts.ctx.audit.log({
      event: AuditEvent.FORWARD,
      channel: opts.channel,
      direction: 'outbound',
      peer: opts.link.peer,
      detail: `count=${plan.records.length} offsets=${plan.first}-${plan.last}`,
    });
  }
  const persisted = opts.cursor.advance(plan.next);
  if (persisted !== undefined) await persisted;
}

/**
 * Chooses the records of the next frame from a read, in order, within the frame size (a larger
 * record goes alone), leaving out records the peer already stored and records it would refuse as
 * too large (logged and audited). A record that mentions neither a route nor the peer as origin
 * (every record published here) is sent without being parsed.
 */
function planBatch(
  opts: SenderOptions,
  records: readonly LogRecord[],
  mentions: LineMentions,
  from: number,
): Planned {
  const { link, limit } = opts;
  const plan: Planned = {
    records: [],
    bytes: 0,
    first: -1,
    last: -1,
    next: records[0]?.offset ?? from,
  };
  const frameBytes = frameBytesFor(limit.maxBytes);
  const suspectFrom = firstMention(records, mentions, frameBytes);
  for (const record of records) {
    let bytes = record.bytes;
    if (plan.records.length > 0 && plan.bytes + FRAME_HEADER_BYTES + bytes.length > frameBytes) break;
    plan.next = record.next;
    if (record.next > suspectFrom && mentions.in(bytes)) {
      const header = headerOf(bytes.toString('utf8'));
      if (header === undefined) continue;
      if (header.origin === link.peer || header.route?.includes(link.peer) === true) continue;
    }
    if (bytes.length > limit.maxBytes) {
      const fitted = fitOversizedLine(bytes, limit);
      if (fitted === undefined) {
        skipOversized(opts, record);
        continue;
      }
      bytes = fitted;
    }
    if (plan.first < 0) plan.first = record.offset;
    plan.last = record.offset;
    plan.records.push(bytes);
    plan.bytes += FRAME_HEADER_BYTES + bytes.length;
  }
  return plan;
}

/** Logs and audits a record the peer would refuse as too large; the cursor moves past it. */
function skipOversized(opts: SenderOptions, record: LogRecord): void {
  const { ctx, link, limit, logger } = opts;
  const size = record.bytes.length;
  logger.warn(
    {
      peer: link.peer,
      channel: opts.channel,
      offset: record.offset,
      bytes: size,
      max_batch_bytes: limit.maxBytes,
    },
    'not forwarding a record larger than the peer accepts (max_batch_bytes, without its route)',
  );
  ctx.audit.log({
    event: AuditEvent.OVERSIZED_DROPPED,
    channel: opts.channel,
    direction: 'outbound',
    peer: link.peer,
    detail: `offset=${record.offset} bytes=${size}`,
  });
}

/**
 * The offset from which records may mention a route or the peer as origin, found with one search
 * over the first `maxBytes` of a read (records of one read are views of one buffer) instead of two
 * per record; records before it need no check.
 */
function firstMention(records: readonly LogRecord[], mentions: LineMentions, maxBytes: number): number {
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) return Infinity;
  const contiguous =
    first.bytes.buffer === last.bytes.buffer &&
    last.bytes.byteOffset - first.bytes.byteOffset === last.offset - first.offset;
  if (!contiguous) return first.offset;
  const length = Math.min(last.offset + last.bytes.length, first.offset + maxBytes) - first.offset;
  const view = Buffer.from(first.bytes.buffer, first.bytes.byteOffset, length);
  const found = mentions.firstIn(view);
  return first.offset + (found < 0 ? length : found);
}
