/**
 * Data frames: one binary WebSocket message holding repeated `[uint32 big-endian length][record bytes]`.
 */
import { isAscii } from 'node:buffer';
import { protocolError } from './json-fields.js';

/** Bytes of the length prefix in front of every record. */
export const FRAME_HEADER_BYTES = 4;

/** A record {@link decodeFrame} skipped because it was longer than the limit. */
export interface OversizedRecord {
  /** Position of the record in the frame, counting every record (kept or skipped) from 0. */
  readonly index: number;
  /** The record's bytes (a view into the frame, not a copy); `record.length` is its size. */
  readonly record: Buffer;
}

/** The records of one frame. */
export interface DecodedFrame {
  /** Records within the limit, in frame order; views into the frame, not copies. */
  readonly records: Buffer[];
  /** Records over the limit, in frame order; the caller skips, logs and still acks them. */
  readonly oversized: OversizedRecord[];
}

/**
 * Encodes `records` as one frame in a single allocation. Zero-length records are allowed.
 *
 * @example
 * ```ts
 * encodeFrame([Buffer.from('ab')]); // <Buffer 00 00 00 02 61 62>
 * ```
 */
export function encodeFrame(records: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const record of records) total += FRAME_HEADER_BYTES + record.byteLength;
  const frame = Buffer.allocUnsafe(total);
  let at = 0;
  for (const record of records) {
    at = frame.writeUInt32BE(record.byteLength, at);
    frame.set(record, at);
    at += record.byteLength;
  }
  return frame;
}

/**
 * Splits a frame into its records without copying.
 *
 * @param frame - the payload of one binary WebSocket message
 * @param maxRecordBytes - records longer than this are skipped and reported in `oversized` (Go v0.14+
 * behaviour; v0.12 dropped the connection instead); `0` or less means no limit
 * @throws MessengerError `ERR_PROTOCOL` when the frame ends inside a length prefix or a record body.
 */
export function decodeFrame(frame: Uint8Array, maxRecordBytes: number): DecodedFrame {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const records: Buffer[] = [];
  const oversized: OversizedRecord[] = [];
  let at = 0;
  for (let index = 0; at < buf.length; index++) {
    const left = buf.length - at;
    if (left < FRAME_HEADER_BYTES) {
      throw protocolError(
        `frame: truncated length prefix of record ${index} at byte ${at} (${left} of ${FRAME_HEADER_BYTES} bytes)`,
      );
    }
    const length = buf.readUInt32BE(at);
    at += FRAME_HEADER_BYTES;
    if (buf.length - at < length) {
      throw protocolError(
        `frame: truncated body of record ${index} at byte ${at} (${buf.length - at} of ${length} bytes)`,
      );
    }
    const record = buf.subarray(at, at + length);
    at += length;
    if (maxRecordBytes > 0 && length > maxRecordBytes) oversized.push({ index, record });
    else records.push(record);
  }
  return { records, oversized };
}

/** The records of a frame as text. */
export interface RecordTexts {
  /** Each record decoded as UTF-8. */
  readonly texts: string[];
  /** Per record: it is ASCII only, so a character's index in its text is its byte offset. */
  readonly ascii: boolean[];
}

/**
 * The records of `frame` (views into it, from {@link decodeFrame}) as UTF-8 text. The frame is
 * decoded once, and an ASCII record (the usual case: JSON escapes little else) is a slice of that
 * string; any other record is decoded on its own. The length prefixes are not text: a record of
 * 128–255 bytes (among other lengths) makes the frame as a whole non-ASCII, so records are then
 * checked one by one.
 */
export function recordTexts(frame: Uint8Array, records: readonly Buffer[]): RecordTexts {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const allAscii = isAscii(buf);
  const text = buf.toString('latin1');
  const texts: string[] = [];
  const ascii: boolean[] = [];
  for (const r of records) {
    const plain = allAscii || isAscii(r);
    const start = r.byteOffset - buf.byteOffset;
    texts.push(plain ? text.slice(start, start + r.length) : r.toString('utf8'));
    ascii.push(plain);
  }
  return { texts, ascii };
}
