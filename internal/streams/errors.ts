/** Protocol failures of stream operations, each with a short reason for the client. */

/** Which protocol failure an operation hit (the HTTP layer maps each to a status). */
export type StreamFailure = 'bad-request' | 'not-found' | 'gone' | 'conflict' | 'too-large';

/** A refused stream operation. `message` is the short reason sent to the client. */
export class StreamError extends Error {
  /** The kind of failure. */
  readonly failure: StreamFailure;

  /**
   * @param failure - the kind of failure
   * @param reason - a short, plain sentence for the client
   */
  constructor(failure: StreamFailure, reason: string) {
    super(reason);
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
