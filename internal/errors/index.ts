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
  /** The subscriber was stopped (`unsubscribe`, `close`); the reason of a handler's aborted signal. */
  SUBSCRIBER_STOPPED: 'ERR_SUBSCRIBER_STOPPED',
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
  /** A stream request is malformed (a bad offset, header, body or name); HTTP 400. */
  STREAM_BAD_REQUEST: 'ERR_STREAM_BAD_REQUEST',
  /** No such stream; HTTP 404. */
  STREAM_NOT_FOUND: 'ERR_STREAM_NOT_FOUND',
  /** The stream was deleted or its data was evicted; HTTP 410. */
  STREAM_GONE: 'ERR_STREAM_GONE',
  /** The request conflicts with the stream's state (closed, another content type, a sequence); HTTP 409. */
  STREAM_CONFLICT: 'ERR_STREAM_CONFLICT',
  /** A stream body or record is larger than the endpoint accepts; HTTP 413. */
  STREAM_TOO_LARGE: 'ERR_STREAM_TOO_LARGE',
  /** A stream subscription request is malformed (wire code `INVALID_REQUEST`). */
  SUBSCRIPTION_INVALID_REQUEST: 'ERR_SUBSCRIPTION_INVALID_REQUEST',
  /** No such stream subscription (`SUBSCRIPTION_NOT_FOUND`). */
  SUBSCRIPTION_NOT_FOUND: 'ERR_SUBSCRIPTION_NOT_FOUND',
  /** A stream subscription exists with another configuration (`SUBSCRIPTION_ALREADY_EXISTS`). */
  SUBSCRIPTION_ALREADY_EXISTS: 'ERR_SUBSCRIPTION_ALREADY_EXISTS',
  /** A webhook URL is refused (scheme, private address); `WEBHOOK_URL_REJECTED`. */
  SUBSCRIPTION_WEBHOOK_URL_REJECTED: 'ERR_SUBSCRIPTION_WEBHOOK_URL_REJECTED',
  /** A subscription callback token does not verify (`TOKEN_INVALID`). */
  SUBSCRIPTION_TOKEN_INVALID: 'ERR_SUBSCRIPTION_TOKEN_INVALID',
  /** A subscription callback token has expired (`TOKEN_EXPIRED`). */
  SUBSCRIPTION_TOKEN_EXPIRED: 'ERR_SUBSCRIPTION_TOKEN_EXPIRED',
  /** A subscription callback carries a stale wake generation (`FENCED`). */
  SUBSCRIPTION_FENCED: 'ERR_SUBSCRIPTION_FENCED',
  /** A pull-wake is claimed by another worker (`ALREADY_CLAIMED`). */
  SUBSCRIPTION_ALREADY_CLAIMED: 'ERR_SUBSCRIPTION_ALREADY_CLAIMED',
  /** A pull-wake claim found nothing to do (`NO_PENDING_WORK`). */
  SUBSCRIPTION_NO_PENDING_WORK: 'ERR_SUBSCRIPTION_NO_PENDING_WORK',
  /** A subscription ack names an offset the stream does not have (`INVALID_OFFSET`). */
  SUBSCRIPTION_INVALID_OFFSET: 'ERR_SUBSCRIPTION_INVALID_OFFSET',
  /** A batch from a federation peer could not be stored; the link closes without an ack and the peer resends. */
  INBOUND_STORE_FAILED: 'ERR_INBOUND_STORE_FAILED',
  /** A stream's metadata file is not one (unparsable or of another shape); the stream is not loaded. */
  STREAM_META_CORRUPT: 'ERR_STREAM_META_CORRUPT',
  /** A storage write or read failed at the file level (a short write, a closed file). */
  STORAGE_IO: 'ERR_STORAGE_IO',
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
  /** A streamkit lease was not granted, renewed or released (held by another, lapsed, not the holder). */
  SK_LEASE_REFUSED: 'ERR_SK_LEASE_REFUSED',
  /** A streamkit produce carried a fence that is no longer the lease's current one. */
  SK_STALE_FENCE: 'ERR_SK_STALE_FENCE',
  /** A streamkit worker renewed or left a registration the authority no longer has (evicted or replaced). */
  SK_WORKER_GONE: 'ERR_SK_WORKER_GONE',
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

/** What a JavaScript caller passed where a string belongs, for an error message: `undefined`, `null`, `number`… */
export function typeName(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
