/** The error of a request/reply stream that ended with a close code other than 1000. */
import { ErrorCode, MessengerError } from '../errors/index.js';
import { closeCodeName, isRetryableClose } from './protocol.js';

/**
 * A stream ended with `closeCode` (see docs/conventions/streaming-rpc.md §4). A requester's iterator
 * throws it; a server's handler throws it to close its stream with that code and text.
 */
export class RpcCloseError extends MessengerError {
  /** The close code, e.g. 4000. */
  readonly closeCode: number;
  /** The close text (may be empty). */
  readonly text: string;

  /**
   * @param closeCode - the close code
   * @param text - the close text; several parts are joined with ": "
   */
  constructor(closeCode: number, ...text: string[]) {
    const joined = text.join(': ');
    super(
      ErrorCode.RPC_CLOSED,
      `stream closed ${closeCode} (${closeCodeName(closeCode)})${joined === '' ? '' : `: ${joined}`}`,
    );
    this.name = 'RpcCloseError';
    this.closeCode = closeCode;
    this.text = joined;
  }

  /** Whether a new stream with the same request may succeed (1001, 1006, 4029). */
  get retryable(): boolean {
    return isRetryableClose(this.closeCode);
  }
}
