/**
 * The authority's write of one transaction (§3, §4.2 steps 4-6): check and reserve, encode the lines,
 * append them in one call, and make them visible once durable. Nothing awaits between the reservation
 * and the append call, so produces are written in the order they reserved.
 */
import { LineBatch, type EnvelopeEncoder } from '../envelope/index.js';
import type { AppendResult } from '../storage/index.js';
import { entryLines, type PreparedRecord, type SegmentStatus } from './entry.js';
import { SkCode, StreamkitError } from './errors.js';
import type { Space } from './space.js';
import type { LocatedEntry } from './trx-assembler.js';

/** What a write needs of its store. */
export interface WriteContext {
  encoder: EnvelopeEncoder;
  /** This instance (the authority). */
  origin: string;
  append(channel: string, data: Buffer, records: number): Promise<AppendResult>;
  /** Forgets a trx id whose write failed. */
  forget(trxId: string): void;
}

/** One transaction to write. */
export interface TransactionToWrite {
  segment: string;
  prepared: readonly PreparedRecord[];
  expected: number | 'any';
  trxId: string;
  timestamp: number;
}

/**
 * Writes a transaction to `space`; resolves with the segment's status once it is durable and
 * visible. Throws synchronously (4009, 5003) when nothing was reserved.
 */
export function writeTransaction(
  ctx: WriteContext,
  space: Space,
  t: TransactionToWrite,
): Promise<SegmentStatus> {
  const { segment, prepared, trxId, timestamp } = t;
  const reservation = space.reserve(segment, t.expected, prepared);
  const lines = entryLines(
    ctx.encoder,
    {
      channel: space.channel,
      segment,
      firstSequence: reservation.firstSequence,
      firstPosition: reservation.firstPosition,
      timestamp,
      trxId,
      trxNumber: reservation.trxNumber,
    },
    prepared,
  );
  const batch = new LineBatch();
  for (const line of lines) batch.add(line);
  const { data, ascii } = batch.encode();
  const located: LocatedEntry[] = [];
  let bytes = 0;
  // One trx object for the index (it reads the id and number); entries read back carry their own.
  const trx = { id: trxId, number: reservation.trxNumber, index: 0, count: lines.length };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const size = ascii ? line.length : Buffer.byteLength(line);
    const sequence = reservation.firstSequence + index;
    const position = reservation.firstPosition + index;
    located.push({
      entry: { space: space.name, segment, sequence, position, timestamp, trx, origin: ctx.origin },
      start: bytes,
      end: bytes + size,
    });
    bytes += size;
  }
  return ctx.append(space.channel, data, lines.length).then(
    ({ start }) => {
      for (const l of located) {
        l.start += start;
        l.end += start;
      }
      try {
        return space.commit(located);
      } catch (err) {
        ctx.forget(trxId);
        throw err;
      }
    },
    (err: unknown) => {
      const failure = new StreamkitError(
        SkCode.COMMIT_FAILED,
        `${space.name}/${segment}: transaction ${trxId} could not be written`,
        { cause: err },
      );
      space.fail(failure);
      ctx.forget(trxId);
      throw failure;
    },
  );
}
