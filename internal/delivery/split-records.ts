/** Splitting a read into records. */

/** One record of a read: its line (without `\n`) and where it sits in the log. */
export interface LogRecord {
  /** Global offset of the record's first byte. */
  offset: number;
  /** Offset just past the record's newline. */
  next: number;
  /** The record's bytes, without the newline (a view into the read buffer). */
  bytes: Buffer;
}

/**
 * The records in `data` (whole lines), which starts at global offset `start`. No record's `next`
 * goes past `next` (a read of a sealed segment holding more bytes than its offsets ends at the
 * next segment's start).
 */
export function splitRecords(data: Buffer, start: number, next = start + data.length): LogRecord[] {
  const records: LogRecord[] = [];
  let pos = 0;
  while (pos < data.length) {
    const newline = data.indexOf(10, pos);
    if (newline < 0) break;
    records.push({
      offset: start + pos,
      next: Math.min(next, start + newline + 1),
      bytes: data.subarray(pos, newline),
    });
    pos = newline + 1;
  }
  return records;
}
