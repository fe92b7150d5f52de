/** Protocol failures of stream operations, each with a short reason for the client. */
import { ErrorCode, MessengerError } from '../errors/index.js';

/** Which protocol failure an operation hit (the HTTP layer maps each to a status). */
export type StreamFailure = 'bad-request' | 'not-found' | 'gone' | 'conflict' | 'too-large';

/** The stable code of each kind of failure. */
const CODES: Record<StreamFailure, ErrorCode> = {
  'bad-request': ErrorCode.STREAM_BAD_REQUEST,
  'not-found': ErrorCode.STREAM_NOT_FOUND,
  gone: ErrorCode.STREAM_GONE,
  conflict: ErrorCode.STREAM_CONFLICT,
  'too-large': ErrorCode.STREAM_TOO_LARGE,
};

/**
 * A refused stream operation, an `ERR_STREAM_*` {@link MessengerError}. `message` is the short reason
 * sent to the client; `failure` is the kind the HTTP layer maps to a status.
 */
export class StreamError extends MessengerError {
  /** The kind of failure. */
  readonly failure: StreamFailure;

  /**
   * @param failure - the kind of failure
   * @param reason - a short, plain sentence for the client
   */
  constructor(failure: StreamFailure, reason: string) {
    super(CODES[failure], reason);
    this.name = 'StreamError';
    this.failure = failure;
  }
}

/** Shorthand constructors. */
export const fail = {
  badRequest: (reason: string) => new StreamError('bad-request', reason),
  notFound: (reason = 'stream not found') => new StreamError('not-found', reason),
  gone: (reason = 'stream is gone') => new StreamError('gone', reason),
  conflict: (reason: string) => new StreamError('conflict', reason),
  tooLarge: (reason: string) => new StreamError('too-large', reason),
};
