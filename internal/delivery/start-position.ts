/**
 * Where a new reader starts: validation of the `from` a caller passed, and the alignment of a byte
 * offset to the start of a record.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { ChannelLog } from '../storage/index.js';

/** A start at the first record whose envelope `ts` is at or after `time` (a Date, or ms since the epoch). */
export interface StartTime {
  readonly time: Date | number;
}

/**
 * Where a cursor without a stored offset starts: the end, the beginning, a byte offset, or the
 * first record at or after a time.
 */
export type StartPosition = 'end' | 'beginning' | number | StartTime;

/** What a start position is for, to name it in errors and logs. */
export interface StartContext {
  log: ChannelLog;
  /** The reader (subscriber or offset file id). */
  id: string;
  logger: Logger;
}

/** `from` as a caller may pass it from plain JavaScript, described for an error message. */
function describe(from: unknown): string {
  if (typeof from === 'object' && from !== null && 'time' in from) return `{ time: ${describe(from.time)} }`;
  if (from instanceof Date) return `a Date (${String(from)})`;
  if (typeof from === 'string') return JSON.stringify(from);
  if (typeof from === 'number') return String(from);
  return `a value of type ${from === null ? 'null' : typeof from}`;
}

/**
 * Checks that `from` is `'end'`, `'beginning'`, a byte offset (a non-negative safe integer), or
 * `{ time }` with a valid Date or a finite number of milliseconds >= 0.
 *
 * @throws MessengerError `ERR_INVALID_ARGUMENT` naming the channel, the reader and the value.
 */
export function assertStartPosition(from: unknown, ctx: Pick<StartContext, 'log' | 'id'>): StartPosition {
  if (from === 'end' || from === 'beginning') return from;
  if (typeof from === 'number' && Number.isSafeInteger(from) && from >= 0) return from;
  const time = typeof from === 'object' && from !== null && 'time' in from ? timeMsOf(from.time) : undefined;
  if (time !== undefined) return { time };
  throw new MessengerError(
    ErrorCode.INVALID_ARGUMENT,
    `channel ${JSON.stringify(ctx.log.channel)}, reader ${JSON.stringify(ctx.id)}: start position must be 'end', 'beginning', a byte offset (an integer >= 0) or { time } (a valid Date, or milliseconds since the epoch >= 0); got ${describe(from)}`,
  );
}

/** `time` in milliseconds when it is a valid Date or a finite number >= 0, else undefined. */
function timeMsOf(time: unknown): number | undefined {
  const ms = time instanceof Date ? time.getTime() : time;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * The offset a new reader starts at. A time starts at the first record at or after it. An offset past the end of the channel is refused; an offset
 * inside a record moves to the start of the next record, with a warning.
 *
 * @throws MessengerError `ERR_INVALID_ARGUMENT` for an offset past the channel's end.
 */
export async function resolveStartPosition(from: StartPosition, ctx: StartContext): Promise<number> {
  const { log } = ctx;
  if (from === 'end') return log.end;
  if (from === 'beginning') return log.start;
  if (typeof from === 'object') return log.offsetAtTime(timeMsOf(from.time) ?? 0);
  if (from > log.end) {
    throw new MessengerError(
      ErrorCode.INVALID_ARGUMENT,
      `channel ${JSON.stringify(log.channel)}, reader ${JSON.stringify(ctx.id)}: start offset ${from} is past the end of the channel (${log.end})`,
    );
  }
  const aligned = await log.recordStartAtOrAfter(from);
  if (aligned !== from) {
    ctx.logger.warn(
      { channel: log.channel, cursor: ctx.id, requested: from, start: aligned },
      'start offset is inside a record; starting at the next record',
    );
  }
  return aligned;
}
