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
  STALE_FENCE: 4010,
  LEASE_REFUSED: 4011,
  WORKER_GONE: 4012,
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
  [SkCode.STALE_FENCE, { name: 'stale fence', retryable: false, errorCode: ErrorCode.SK_STALE_FENCE }],
  [SkCode.LEASE_REFUSED, { name: 'lease refused', retryable: false, errorCode: ErrorCode.SK_LEASE_REFUSED }],
  [SkCode.WORKER_GONE, { name: 'worker gone', retryable: false, errorCode: ErrorCode.SK_WORKER_GONE }],
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

  /** The close text on the wire (the message; JSON for the codes whose fields a requester reads). */
  get wireText(): string {
    return this.message;
  }
}

/** Why a lease operation was refused (the `reason` of a 4011). */
export type LeaseRefusal = 'held' | 'lapsed' | 'not_holder' | 'not_held';

/** A lease acquire, renew or release the authority refused (4011, permanent). */
export class LeaseRefusedError extends StreamkitError {
  /** Why. */
  readonly reason: LeaseRefusal;
  /** The key. */
  readonly key: string;
  /** The sentence that explains it. */
  readonly detail: string;

  /**
   * @param key - the lease key
   * @param reason - why it was refused
   * @param detail - the sentence that explains it
   */
  constructor(key: string, reason: LeaseRefusal, detail: string) {
    super(SkCode.LEASE_REFUSED, `lease ${JSON.stringify(key)}: ${detail}`);
    this.name = 'LeaseRefusedError';
    this.key = key;
    this.reason = reason;
    this.detail = detail;
  }

  /** The close text on the wire: `{"key": k, "reason": r, "detail": d}`. */
  override get wireText(): string {
    return JSON.stringify({ key: this.key, reason: this.reason, detail: this.detail });
  }
}

/** A produce whose expected fence is not the lease's current one (4010, permanent). */
export class StaleFenceError extends StreamkitError {
  /** The lease key. */
  readonly key: string;
  /** The fence the producer carried. */
  readonly expected: number;
  /** The key's current fence (0 when it never had a lease). */
  readonly actual: number;
  /** Whether the lease was held (not lapsed, not released) when the produce was checked. */
  readonly held: boolean;

  /**
   * @param key - the lease key
   * @param expected - the fence carried by the produce
   * @param actual - the key's current fence
   * @param held - whether the lease is held (not lapsed, not released) now
   */
  constructor(key: string, expected: number, actual: number, held: boolean) {
    super(
      SkCode.STALE_FENCE,
      `lease ${JSON.stringify(key)}: fence ${expected} is stale (current fence ${actual}${held ? '' : ', not held'})`,
    );
    this.name = 'StaleFenceError';
    this.key = key;
    this.expected = expected;
    this.actual = actual;
    this.held = held;
  }

  /** The close text on the wire: `{"key": k, "expected": e, "actual": a, "held": h}`. */
  override get wireText(): string {
    return JSON.stringify({ key: this.key, expected: this.expected, actual: this.actual, held: this.held });
  }
}

/** Why a renewal or leave found no registration (the `reason` of a 4012). */
export type WorkerGoneReason = 'unknown' | 'replaced';

/** A renewal or leave for a registration the authority no longer has (4012, permanent). */
export class WorkerGoneError extends StreamkitError {
  /** `unknown`: evicted or left (join again); `replaced`: another join took the id. */
  readonly reason: WorkerGoneReason;
  /** The worker id. */
  readonly workerId: string;

  /**
   * @param workerId - the worker id
   * @param reason - why it is gone
   */
  constructor(workerId: string, reason: WorkerGoneReason) {
    super(
      SkCode.WORKER_GONE,
      reason === 'replaced'
        ? `worker ${JSON.stringify(workerId)} was registered again by another join`
        : `worker ${JSON.stringify(workerId)} is not registered (evicted or left); join again`,
    );
    this.name = 'WorkerGoneError';
    this.reason = reason;
    this.workerId = workerId;
  }

  /** The close text on the wire: `{"worker_id": w, "reason": r}`. */
  override get wireText(): string {
    return JSON.stringify({ worker_id: this.workerId, reason: this.reason });
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
  override get wireText(): string {
    return JSON.stringify({ expected: this.expected, actual: this.actual, where: this.where });
  }
}

/** The error a wire close (code and text) stands for, as the requester rebuilds it. */
export function errorFromWire(code: number, text: string, cause?: unknown): StreamkitError {
  const fields = JSON_TEXT_CODES.has(code) ? parseFields(text) : undefined;
  const typed = fields === undefined ? undefined : typedError(code, fields);
  return typed ?? new StreamkitError(code, text === '' ? 'remote error' : text, { cause });
}

/** Codes whose close text is JSON with the fields of their typed error. */
const JSON_TEXT_CODES: ReadonlySet<number> = new Set([
  SkCode.SEQUENCE_MISMATCH,
  SkCode.STALE_FENCE,
  SkCode.LEASE_REFUSED,
  SkCode.WORKER_GONE,
]);

/** The typed error of a code whose close text is JSON, when its fields are there. */
function typedError(code: number, f: Record<string, unknown>): StreamkitError | undefined {
  const { expected, actual, key } = f;
  if (code === SkCode.SEQUENCE_MISMATCH && typeof expected === 'number' && typeof actual === 'number') {
    return new SequenceMismatchError(
      typeof f.where === 'string' ? f.where : 'remote segment',
      expected,
      actual,
    );
  }
  if (code === SkCode.WORKER_GONE && typeof f.worker_id === 'string') {
    return new WorkerGoneError(f.worker_id, f.reason === 'replaced' ? 'replaced' : 'unknown');
  }
  if (typeof key !== 'string') return undefined;
  if (code === SkCode.STALE_FENCE && typeof expected === 'number' && typeof actual === 'number') {
    return new StaleFenceError(key, expected, actual, f.held === true);
  }
  if (code === SkCode.LEASE_REFUSED && typeof f.reason === 'string' && typeof f.detail === 'string') {
    return new LeaseRefusedError(key, f.reason as LeaseRefusal, f.detail);
  }
  return undefined;
}

function parseFields(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Shorthand for a 4000 error. */
export function badRequest(message: string): StreamkitError {
  return new StreamkitError(SkCode.BAD_REQUEST, message);
}
