/**
 * The state writers are checked against: closure, idempotent producers and `Stream-Seq`. It is
 * rebuilt from the control records in the stream's own channel, so it always agrees with the data.
 */
import { payloadTypeNeedle } from '../envelope/index.js';
import type { ChannelLog } from '../storage/index.js';
import type { ProducerClaim, ProducerState } from './producers.js';
import {
  PAYLOAD_TYPES,
  parseControl,
  scanLine,
  type ControlPayload,
  type RecordScan,
} from './message-records.js';

/** Writer-side state of one stream. */
export class WriterState {
  /** A closing append was accepted (it may still be in flight). */
  closing = false;
  /** The producer append that closed the stream, if one did. */
  closedBy: ProducerClaim | undefined;
  /** The last accepted `Stream-Seq` (scope: the stream). */
  streamSeq: string | undefined;
  /** Producer id → epoch and last sequence. */
  readonly producers = new Map<string, ProducerState>();

  /** Applies one control record. */
  apply(control: ControlPayload): void {
    if (control.producer !== undefined) {
      const { id, epoch, seq } = control.producer;
      this.producers.set(id, { epoch, lastSeq: seq });
    }
    if (control.seq !== undefined) this.streamSeq = control.seq;
    if (control.closed === true) {
      this.closing = true;
      this.closedBy = control.producer;
    }
  }
}

const CONTROL_MARK = Buffer.from(payloadTypeNeedle(PAYLOAD_TYPES.control));
const REPLAY_CHUNK = 4 << 20;

/**
 * Rebuilds the writer state from the own channel, from `from` to its end. Returns the state and,
 * when a closure record is found, the channel offset just past it (nothing after it counts).
 */
export async function replayWriterState(
  log: ChannelLog,
  from: number,
): Promise<{ state: WriterState; closedAt: number | undefined }> {
  const state = new WriterState();
  let position = from;
  while (position < log.end) {
    const read = await log.read(position, REPLAY_CHUNK);
    if (read.data.length === 0) {
      if (read.next <= position) break;
      position = read.next;
      continue;
    }
    let searchFrom = 0;
    for (;;) {
      const mark = read.data.indexOf(CONTROL_MARK, searchFrom);
      if (mark < 0) break;
      const lineStart = read.data.lastIndexOf(10, mark) + 1;
      const lineEnd = read.data.indexOf(10, mark);
      searchFrom = lineEnd + 1;
      const line = read.data.toString('latin1', lineStart, lineEnd);
      const scan: RecordScan = { kind: 'foreign', start: 0, end: 0, parsed: undefined };
      if (!scanLine(line, 0, line.length, scan) || scan.kind !== 'control') continue;
      const control = parseControl(
        scan.parsed === undefined ? line.slice(scan.start, scan.end) : scan.parsed.toString('latin1'),
      );
      if (control === undefined) continue;
      state.apply(control);
      if (control.closed === true) return { state, closedAt: read.start + lineEnd + 1 };
    }
    position = read.next;
  }
  return { state, closedAt: undefined };
}
