/**
 * The authority's write of one transaction (§3, §4.2 steps 4-6): check and reserve, encode the lines,
 * append them in one call, and make them visible once durable. Nothing awaits between the reservation
 * and the append call, so produces are written in the order they reserved.
 */
import { LineBatch, type EnvelopeEncoder } from '../envelope/index.js';
import type { AppendResult } from '../storage/index.js';
import { entryLines, type PreparedRecord, type SegmentStatus } from './entry.js';
import { SkCode, StreamkitError } from './errors.js';
import type { WrittenTrx } from './space-index.js';
import type { Space } from './space.js';

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
  /** The first entry's envelope id when the trx id is a fresh one the authority made (see TrxHeader). */
  firstId: string | undefined;
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
      firstId: t.firstId,
    },
    prepared,
  );
  const { data, ends } = encodeLines(lines);
  const written: WrittenTrx = {
    segment,
    firstPosition: reservation.firstPosition,
    firstSequence: reservation.firstSequence,
    trxId,
    trxNumber: reservation.trxNumber,
    timestamp,
    ends,
  };
  return ctx.append(space.channel, data, lines.length).then(
    ({ start }) => {
      try {
        return space.commit(written, start);
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

/** The lines as UTF-8 in one buffer, and where each line ends in it. */
function encodeLines(lines: readonly string[]): { data: Buffer; ends: number[] } {
  const [only] = lines;
  // One line (a one-record append): encoded as a publish is, without gathering.
  if (lines.length === 1 && only !== undefined) {
    const data = Buffer.from(only);
    return { data, ends: [data.length] };
  }
  const batch = new LineBatch();
  for (const line of lines) batch.add(line);
  const { data, ascii } = batch.encode();
  const ends: number[] = [];
  let bytes = 0;
  for (const line of lines) {
    bytes += ascii ? line.length : Buffer.byteLength(line);
    ends.push(bytes);
  }
  return { data, ends };
}
