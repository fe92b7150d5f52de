/**
 * The one error family of keyop-messenger. Every error the library throws on purpose is a
 * {@link MessengerError} with a stable {@link ErrorCode}; match on `code` (or with
 * {@link hasErrorCode}), never on message text.
 */

/** Stable machine-readable error codes. */
export const ErrorCode = {
  /** A call was made after `close()`. */
  MESSENGER_CLOSED: 'ERR_MESSENGER_CLOSED',
  /** A channel name breaks the naming rules. */
  INVALID_CHANNEL_NAME: 'ERR_INVALID_CHANNEL_NAME',
  /** A channel name uses a suffix the system reserves (`.dead-letter`). */
  RESERVED_CHANNEL_NAME: 'ERR_RESERVED_CHANNEL_NAME',
  /** `registerPayloadType` was called twice for one type. */
  PAYLOAD_TYPE_ALREADY_REGISTERED: 'ERR_PAYLOAD_TYPE_ALREADY_REGISTERED',
  /** A registered payload decoder rejected a payload. */
  PAYLOAD_DECODE: 'ERR_PAYLOAD_DECODE',
  /** A stored or received record is not a valid envelope. */
  INVALID_RECORD: 'ERR_INVALID_RECORD',
  /** A single record is larger than the storage accepts. */
  RECORD_TOO_LARGE: 'ERR_RECORD_TOO_LARGE',
  /** The channel writer was closed while a publish waited. */
  WRITER_CLOSED: 'ERR_WRITER_CLOSED',
  /** The channel writer hit an unrecoverable error; no further publishes are accepted. */
  WRITER_FAILED: 'ERR_WRITER_FAILED',
  /** Another process or Messenger already owns the data directory. */
  DATA_DIR_LOCKED: 'ERR_DATA_DIR_LOCKED',
  /** A data dir (or a folder in it) cannot be created or written: read-only, full, not a folder. */
  DATA_DIR_UNUSABLE: 'ERR_DATA_DIR_UNUSABLE',
  /** An offset file holds something other than a decimal offset. */
  OFFSET_FILE_CORRUPT: 'ERR_OFFSET_FILE_CORRUPT',
  /** A segment file cannot be opened or read (a folder in its place, permissions); readers skip it. */
  SEGMENT_UNREADABLE: 'ERR_SEGMENT_UNREADABLE',
  /** A dead-letter record could not be written; the subscriber retries it and does not move on. */
  DEAD_LETTER_FAILED: 'ERR_DEAD_LETTER_FAILED',
  /** A subscriber id is already subscribed on a channel. */
  SUBSCRIBER_EXISTS: 'ERR_SUBSCRIBER_EXISTS',
  /** No such subscriber on a channel. */
  SUBSCRIBER_NOT_FOUND: 'ERR_SUBSCRIBER_NOT_FOUND',
  /** An argument is malformed (a start offset, an option). */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** A configuration is invalid; `ConfigError.issues` lists every problem. */
  CONFIG: 'ERR_CONFIG',
  /** A certificate or key could not be created, read or verified. */
  CERTIFICATE: 'ERR_CERTIFICATE',
  /** A peer broke the federation wire protocol. */
  PROTOCOL: 'ERR_PROTOCOL',
  /** A federation policy refused a message. */
  POLICY: 'ERR_POLICY',
  /** A federation link (to a hub or from a peer) ended, or could not be opened; it is retried. */
  LINK_LOST: 'ERR_LINK_LOST',
  /** A hub refused this instance's durable link for good (allowlist, certificates, limits). */
  LINK_REFUSED: 'ERR_LINK_REFUSED',
  /** An ephemeral client lost its connection before the hub acknowledged. */
  EPHEMERAL_CONN_LOST: 'ERR_EPHEMERAL_CONN_LOST',
  /** An ephemeral client was closed. */
  EPHEMERAL_CLOSED: 'ERR_EPHEMERAL_CLOSED',
  /** A hub refused an ephemeral client for good (not in its allowlist, certificate refused); no retries. */
  EPHEMERAL_REJECTED: 'ERR_EPHEMERAL_REJECTED',
  /** A request/reply stream ended with a close code other than 1000; see `RpcCloseError`. */
  RPC_CLOSED: 'ERR_RPC_CLOSED',
  /** The requester cancelled a request/reply stream (the server's handler signal aborts with it). */
  RPC_CANCELLED: 'ERR_RPC_CANCELLED',
  /** A streamkit produce expected another last sequence than the segment has; see `SequenceMismatchError`. */
  SK_SEQUENCE_MISMATCH: 'ERR_SK_SEQUENCE_MISMATCH',
  /** A streamkit produce reached an instance that is not the store's authority. */
  SK_NOT_AUTHORITY: 'ERR_SK_NOT_AUTHORITY',
  /** A streamkit request's deadline passed. */
  SK_DEADLINE_EXCEEDED: 'ERR_SK_DEADLINE_EXCEEDED',
  /** A streamkit space channel holds a gap, a repeat or a second writer (the replica checks). */
  SK_DIVERGED: 'ERR_SK_DIVERGED',
  /** A streamkit transaction could not be written; nothing of it is visible. */
  SK_COMMIT_FAILED: 'ERR_SK_COMMIT_FAILED',
  /** A streamkit authority cannot be reached or stopped writing a space; retry later. */
  SK_UNAVAILABLE: 'ERR_SK_UNAVAILABLE',
  /** A streamkit authority failed unexpectedly. */
  SK_INTERNAL: 'ERR_SK_INTERNAL',
  /**
   * An admin action was refused: it would race a running reader (an active subscriber, a
   * federation cursor), or it needs the daemon's lock while another process holds it.
   */
  ADMIN_REFUSED: 'ERR_ADMIN_REFUSED',
  /** The admin socket of a running daemon could not be reached or answered with a broken reply. */
  ADMIN_UNAVAILABLE: 'ERR_ADMIN_UNAVAILABLE',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error keyop-messenger throws on purpose. */
export class MessengerError extends Error {
  /** Stable machine-readable code; see {@link ErrorCode}. */
  readonly code: ErrorCode;

  /**
   * @param code - the stable code
   * @param message - a human sentence naming what is wrong and where
   * @param options - standard `ErrorOptions` (`cause`)
   */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MessengerError';
    this.code = code;
  }
}

/** A configuration problem; `issues` holds every problem found, each naming its key (and line:column). */
export class ConfigError extends MessengerError {
  /** Every problem found, one sentence each. */
  readonly issues: readonly string[];

  /**
   * @param issues - every problem found
   * @param source - where the configuration came from (a file path), for the message
   */
  constructor(issues: readonly string[], source?: string) {
    const where = source === undefined ? 'invalid config' : `invalid config ${JSON.stringify(source)}`;
    super(ErrorCode.CONFIG, `${where}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * True when `err`, or any error in its `cause` chain, is a {@link MessengerError} with `code`.
 * The equivalent of Go's `errors.Is` for this family.
 */
export function hasErrorCode(err: unknown, code: ErrorCode): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof MessengerError && current.code === code) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}

/** The message of any thrown value, for logs and dead-letter records. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
