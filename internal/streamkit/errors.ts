/**
 * The streamkit errors (docs/conventions/streamkit.md §6): one numeric wire code each, carried as the
 * rpc close code, with its retryable flag and its place in the MessengerError family.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';
import { isRetryableClose } from '../rpc/index.js';

/** The wire codes of the convention. */
export const SkCode = {
  BAD_REQUEST: 4000,
  NOT_AUTHORITY: 4003,
  DEADLINE_EXCEEDED: 4008,
  SEQUENCE_MISMATCH: 4009,
  POSITION_AHEAD: 4090,
  POSITION_BEHIND: 4091,
  TRX_ID_MISMATCH: 4092,
  TRX_NUMBER_AHEAD: 4093,
  TRX_NUMBER_BEHIND: 4094,
  FOREIGN_WRITER: 4095,
  INTERNAL: 5000,
  COMMIT_FAILED: 5001,
  UNAVAILABLE: 5003,
  GOING_AWAY: 1001,
} as const;

/** One of the values of {@link SkCode}. */
export type SkCode = (typeof SkCode)[keyof typeof SkCode];

interface CodeInfo {
  name: string;
  retryable: boolean;
  errorCode: ErrorCode;
}

const CODES: ReadonlyMap<number, CodeInfo> = new Map<number, CodeInfo>([
  [SkCode.BAD_REQUEST, { name: 'bad request', retryable: false, errorCode: ErrorCode.INVALID_ARGUMENT }],
  [SkCode.NOT_AUTHORITY, { name: 'not authority', retryable: false, errorCode: ErrorCode.SK_NOT_AUTHORITY }],
  [
    SkCode.DEADLINE_EXCEEDED,
    { name: 'deadline exceeded', retryable: false, errorCode: ErrorCode.SK_DEADLINE_EXCEEDED },
  ],
  [
    SkCode.SEQUENCE_MISMATCH,
    { name: 'sequence mismatch', retryable: false, errorCode: ErrorCode.SK_SEQUENCE_MISMATCH },
  ],
  [SkCode.POSITION_AHEAD, { name: 'position ahead', retryable: true, errorCode: ErrorCode.SK_DIVERGED }],
  [SkCode.POSITION_BEHIND, { name: 'position behind', retryable: true, errorCode: ErrorCode.SK_DIVERGED }],
  [SkCode.TRX_ID_MISMATCH, { name: 'trx id mismatch', retryable: false, errorCode: ErrorCode.SK_DIVERGED }],
  [SkCode.TRX_NUMBER_AHEAD, { name: 'trx number ahead', retryable: false, errorCode: ErrorCode.SK_DIVERGED }],
  [
    SkCode.TRX_NUMBER_BEHIND,
    { name: 'trx number behind', retryable: false, errorCode: ErrorCode.SK_DIVERGED },
  ],
  [SkCode.FOREIGN_WRITER, { name: 'foreign writer', retryable: false, errorCode: ErrorCode.SK_DIVERGED }],
  [SkCode.INTERNAL, { name: 'internal', retryable: false, errorCode: ErrorCode.SK_INTERNAL }],
  [SkCode.COMMIT_FAILED, { name: 'commit failed', retryable: true, errorCode: ErrorCode.SK_COMMIT_FAILED }],
  [SkCode.UNAVAILABLE, { name: 'unavailable', retryable: true, errorCode: ErrorCode.SK_UNAVAILABLE }],
  [SkCode.GOING_AWAY, { name: 'going away', retryable: true, errorCode: ErrorCode.SK_UNAVAILABLE }],
]);

/** A code of the rpc layer (a lost stream, a missing handler …): classified as rpc classifies it. */
function rpcCode(code: number): CodeInfo {
  const retryable = isRetryableClose(code);
  return {
    name: `rpc close ${code}`,
    retryable,
    errorCode: retryable ? ErrorCode.SK_UNAVAILABLE : ErrorCode.SK_INTERNAL,
  };
}

/** A streamkit failure: `wireCode` travels on the wire, `retryable` says whether trying again may work. */
export class StreamkitError extends MessengerError {
  /** The convention's numeric code (§6), e.g. 4009. */
  readonly wireCode: number;
  /** Whether the same request may succeed later (reuse the trx id: it is idempotent). */
  readonly retryable: boolean;

  /**
   * @param wireCode - the numeric code
   * @param message - a sentence naming what is wrong and where
   * @param options - standard `ErrorOptions` (`cause`)
   */
  constructor(wireCode: number, message: string, options?: ErrorOptions) {
    const info = CODES.get(wireCode) ?? rpcCode(wireCode);
    super(info.errorCode, `${message} (streamkit ${wireCode} ${info.name})`, options);
    this.name = 'StreamkitError';
    this.wireCode = wireCode;
    this.retryable = info.retryable;
  }
}

/**
 * A produce expected another last sequence than the segment has (4009, permanent); nothing was written.
 * Read the segment again, decide, and produce with the new expectation.
 */
export class SequenceMismatchError extends StreamkitError {
  /** The last sequence the producer expected. */
  readonly expected: number;
  /** The segment's actual last sequence. */
  readonly actual: number;
  /** `space/segment`. */
  readonly where: string;

  /**
   * @param where - `space/segment`, for the message
   * @param expected - what the producer expected
   * @param actual - the segment's last sequence
   */
  constructor(where: string, expected: number, actual: number) {
    super(SkCode.SEQUENCE_MISMATCH, `${where}: expected last sequence ${expected}, actual ${actual}`);
    this.name = 'SequenceMismatchError';
    this.expected = expected;
    this.actual = actual;
    this.where = where;
  }

  /** The close text on the wire: `{"expected": e, "actual": a, "where": "space/segment"}`. */
  get wireText(): string {
    return JSON.stringify({ expected: this.expected, actual: this.actual, where: this.where });
  }
}

/** The error a wire close (code and text) stands for, as the requester rebuilds it. */
export function errorFromWire(code: number, text: string, cause?: unknown): StreamkitError {
  if (code === SkCode.SEQUENCE_MISMATCH) {
    const parsed = parseMismatch(text);
    if (parsed !== undefined) return new SequenceMismatchError(parsed.where, parsed.expected, parsed.actual);
  }
  return new StreamkitError(code, text === '' ? 'remote error' : text, { cause });
}

function parseMismatch(text: string): { where: string; expected: number; actual: number } | undefined {
  try {
    const value = JSON.parse(text) as { expected?: unknown; actual?: unknown; where?: unknown };
    if (typeof value.expected !== 'number' || typeof value.actual !== 'number') return undefined;
    return {
      where: typeof value.where === 'string' ? value.where : 'remote segment',
      expected: value.expected,
      actual: value.actual,
    };
  } catch {
    return undefined;
  }
}

/** Shorthand for a 4000 error. */
export function badRequest(message: string): StreamkitError {
  return new StreamkitError(SkCode.BAD_REQUEST, message);
}
