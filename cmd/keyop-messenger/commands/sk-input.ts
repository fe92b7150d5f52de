/** The records of `sk produce`: one per non-empty stdin line, as data or as wire records. */
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { ErrorCode, MessengerError, errorMessage } from '../../../internal/errors/index.js';
import {
  MAX_TRX_RECORDS,
  recordFromWire,
  type RecordInput,
  type WireRecord,
} from '../../../internal/streamkit/index.js';

/**
 * Reads every non-empty line of `input`: each is a record's data (any JSON), or with `wire` a record
 * object `{data | data_b64, metadata?, sequence?}` (§4.1). Throws ERR_INVALID_ARGUMENT naming the
 * line that is not JSON or not a record, or when there are none or more than a transaction holds.
 */
export async function readRecords(input: Readable, wire: boolean): Promise<RecordInput[]> {
  const records: RecordInput[] = [];
  let number = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      records.push(wire ? recordFromWire(value as WireRecord, records.length) : { data: value });
    } catch (err) {
      throw invalid(`stdin line ${number} is not ${wire ? 'a record' : 'JSON'} (${errorMessage(err)})`, err);
    }
    if (records.length > MAX_TRX_RECORDS) {
      throw invalid(`stdin holds more than ${MAX_TRX_RECORDS} records, the most one transaction holds`);
    }
  }
  if (records.length === 0) throw invalid('stdin holds no record (one JSON value per line)');
  return records;
}

function invalid(message: string, cause?: unknown): MessengerError {
  return new MessengerError(ErrorCode.INVALID_ARGUMENT, `${message}; nothing was produced`, { cause });
}
