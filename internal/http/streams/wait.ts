/** Waiting at the tail of a stream for new records, with a timeout, for long-poll and SSE. */
import type { Clock } from '../../clock/index.js';
import type { Stream, StreamCursor } from '../../streams/index.js';

/** Why a wait ended. */
export type WaitEnd = 'grew' | 'timeout' | 'aborted' | 'gone' | 'closing';

/** What else ends a wait besides growth and the timeout. */
export interface WaitContext {
  /** The client went away. */
  clientGone: AbortSignal;
  /** The server is shutting down. */
  closing: AbortSignal;
  clock: Clock;
}

/**
 * Waits until `stream` grows past where `cursor` read last, the timeout passes, the client leaves,
 * the stream is deleted or the server shuts down.
 */
export function waitAtTail(
  stream: Stream,
  cursor: StreamCursor,
  timeoutMs: number,
  context: WaitContext,
): Promise<WaitEnd> {
  const { clientGone, closing, clock } = context;
  const gone = stream.goneSignal;
  if (clientGone.aborted) return Promise.resolve('aborted');
  if (gone.aborted) return Promise.resolve('gone');
  if (closing.aborted) return Promise.resolve('closing');
  return new Promise<WaitEnd>((resolve) => {
    let done = false;
    let cancelGrowth = (): void => undefined;
    const finish = (why: WaitEnd): void => {
      if (done) return;
      done = true;
      timer.clear();
      cancelGrowth();
      clientGone.removeEventListener('abort', onAborted);
      gone.removeEventListener('abort', onGone);
      closing.removeEventListener('abort', onClosing);
      resolve(why);
    };
    const on = (why: WaitEnd) => (): void => {
      finish(why);
    };
    const onAborted = on('aborted');
    const onGone = on('gone');
    const onClosing = on('closing');
    const timer = clock.setTimeout(on('timeout'), timeoutMs);
    clientGone.addEventListener('abort', onAborted, { once: true });
    gone.addEventListener('abort', onGone, { once: true });
    closing.addEventListener('abort', onClosing, { once: true });
    cancelGrowth = cursor.onGrowth(on('grew'));
  });
}
