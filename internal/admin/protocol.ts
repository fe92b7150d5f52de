/**
 * The admin API's requests and answers: one JSON request per HTTP `POST /` on the daemon's unix
 * socket (`<data_dir>/admin.sock`, owner-only), one JSON answer.
 */
import { ErrorCode, MessengerError } from '../errors/index.js';

/** The socket's file name in the data dir. */
export const ADMIN_SOCKET_FILE = 'admin.sock';

/** The longest long poll of a `cat` request. */
export const MAX_WAIT_MS = 60_000;

/** A position in a channel as it crosses the socket: a time is milliseconds since the epoch. */
export type WirePosition = 'beginning' | 'end' | number | { readonly time: number };

/** One admin request. */
export type AdminRequest =
  | { readonly verb: 'channels' }
  | { readonly verb: 'stats' }
  | { readonly verb: 'subscribers'; readonly channel: string }
  | {
      readonly verb: 'cat';
      readonly channel: string;
      readonly from: WirePosition;
      /** Records to return at most (one page). */
      readonly max: number;
      /** When there is nothing to read, wait up to this long for a record (a long poll); default 0. */
      readonly waitMs?: number;
    }
  | {
      /**
       * The position of the durable reader `subscriber`: its stored offset, or (none yet) `from`,
       * stored now so compaction keeps what it has not read.
       */
      readonly verb: 'reader-open';
      readonly channel: string;
      readonly subscriber: string;
      readonly from: WirePosition;
    }
  | {
      /** Stores the progress of a durable reader opened with `reader-open`. */
      readonly verb: 'reader-commit';
      readonly channel: string;
      readonly subscriber: string;
      readonly offset: number;
    }
  | {
      readonly verb: 'offset-set';
      readonly channel: string;
      readonly subscriber: string;
      readonly to: WirePosition;
    }
  | { readonly verb: 'unsubscribe'; readonly channel: string; readonly subscriber: string }
  | { readonly verb: 'purge'; readonly channel: string }
  | { readonly verb: 'delete'; readonly channel: string }
  | { readonly verb: 'dead-letter-replay'; readonly channel: string };

/** The verbs that change the data dir (refused on a stopped dir another process holds; audited). */
export const WRITE_VERBS: ReadonlySet<AdminRequest['verb']> = new Set([
  'reader-open',
  'reader-commit',
  'offset-set',
  'unsubscribe',
  'purge',
  'delete',
  'dead-letter-replay',
]);

/** The answer to a request: its result, or the coded error it failed with. */
export type AdminAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code?: string; readonly message: string };

/** Every verb: the ones that only read, then {@link WRITE_VERBS}. */
const VERBS: ReadonlySet<string> = new Set<string>([
  'channels',
  'stats',
  'subscribers',
  'cat',
  ...WRITE_VERBS,
]);

/**
 * Checks a decoded request body and returns it as an {@link AdminRequest}.
 *
 * @throws MessengerError `ERR_INVALID_ARGUMENT` naming the field that is missing or wrong.
 */
export function parseAdminRequest(value: unknown): AdminRequest {
  const body = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const verb = body.verb;
  if (typeof verb !== 'string' || !VERBS.has(verb)) {
    throw invalid(`verb must be one of ${[...VERBS].join(', ')}; got ${JSON.stringify(verb)}`);
  }
  const needs: Record<string, (v: unknown) => boolean> = {
    channel: (v) => typeof v === 'string',
    subscriber: (v) => typeof v === 'string',
    from: isWirePosition,
    to: isWirePosition,
    max: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0,
    offset: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
    waitMs: (v) =>
      v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_WAIT_MS),
  };
  const fields = FIELDS[verb] ?? [];
  for (const field of fields) {
    if (!needs[field]?.(body[field])) throw invalid(`${verb}: field ${field} is missing or invalid`);
  }
  return body as unknown as AdminRequest;
}

const FIELDS: Readonly<Record<string, readonly string[]>> = {
  subscribers: ['channel'],
  cat: ['channel', 'from', 'max', 'waitMs'],
  'reader-open': ['channel', 'subscriber', 'from'],
  'reader-commit': ['channel', 'subscriber', 'offset'],
  'offset-set': ['channel', 'subscriber', 'to'],
  unsubscribe: ['channel', 'subscriber'],
  purge: ['channel'],
  delete: ['channel'],
  'dead-letter-replay': ['channel'],
};

function isWirePosition(v: unknown): boolean {
  if (v === 'beginning' || v === 'end') return true;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0;
  if (typeof v !== 'object' || v === null) return false;
  const time = (v as { time?: unknown }).time;
  return typeof time === 'number' && Number.isFinite(time) && time >= 0;
}

function invalid(message: string): MessengerError {
  return new MessengerError(ErrorCode.INVALID_ARGUMENT, `admin request: ${message}`);
}
