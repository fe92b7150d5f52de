/**
 * Sender-side batching: how many queued records go into the next frame.
 */
import { FRAME_HEADER_BYTES } from './frame.js';

/** What {@link takeBatch} decided for the head of the queue. */
export type BatchPlan =
  | {
      /** Send the first `count` records as one frame. */
      readonly kind: 'batch';
      /** Records to take from the head of the queue (0 only for an empty queue). */
      readonly count: number;
      /** Size of the encoded frame, length prefixes included. */
      readonly frameBytes: number;
    }
  | {
      /** The first record alone is over the limit: skip it, log it and treat it as acknowledged. */
      readonly kind: 'oversized';
      /** Length of that record. */
      readonly recordBytes: number;
    };

/**
 * Packs records from the head of `records` until adding the next one would make the frame (4-byte length
 * prefixes included) exceed `maxBatchBytes`.
 *
 * @remarks
 * A record is oversized when its length exceeds `maxBatchBytes`, the same test a receiver applies with
 * the same limit; such a record is never sent. A batch always holds at least one record, so a record
 * whose length is within 4 bytes of the limit travels alone in a frame of up to `maxBatchBytes + 4`
 * bytes. `maxBatchBytes` of `0` or less means no limit. (Go v0.12 summed record sizes without headers
 * and could overshoot by a whole record.)
 */
export function takeBatch(records: readonly Uint8Array[], maxBatchBytes: number): BatchPlan {
  const limited = maxBatchBytes > 0;
  const first = records[0];
  if (first === undefined) return { kind: 'batch', count: 0, frameBytes: 0 };
  if (limited && first.byteLength > maxBatchBytes)
    return { kind: 'oversized', recordBytes: first.byteLength };
  let frameBytes = FRAME_HEADER_BYTES + first.byteLength;
  let count = 1;
  for (; count < records.length; count++) {
    const next = FRAME_HEADER_BYTES + (records[count]?.byteLength ?? 0);
    if (limited && frameBytes + next > maxBatchBytes) break;
    frameBytes += next;
  }
  return { kind: 'batch', count, frameBytes };
}
