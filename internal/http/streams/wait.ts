/** Waiting at the tail of a stream for new records, with a timeout, for long-poll and SSE. */
import type { Clock } from '../../clock/index.js';
import type { Stream } from '../../streams/index.js';

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
 * Waits until the stream's own channel grows past `seenEnd`, the timeout passes, the client leaves,
 * the stream is deleted or the server shuts down.
 */
export async function waitAtTail(
  stream: Stream,
  seenEnd: number,
  timeoutMs: number,
  context: WaitContext,
): Promise<WaitEnd> {
  const { clientGone: signal, closing, clock } = context;
  if (signal.aborted) return 'aborted';
  if (stream.goneSignal.aborted) return 'gone';
  if (closing.aborted) return 'closing';
  const controller = new AbortController();
  let end: WaitEnd = 'grew';
  const stop = (why: WaitEnd) => () => {
    end = why;
    controller.abort();
  };
  const onAbort = stop('aborted');
  const onGone = stop('gone');
  const onClosing = stop('closing');
  const timer = clock.setTimeout(stop('timeout'), timeoutMs);
  signal.addEventListener('abort', onAbort, { once: true });
  stream.goneSignal.addEventListener('abort', onGone, { once: true });
  closing.addEventListener('abort', onClosing, { once: true });
  try {
    await stream.own.log.waitForGrowth(seenEnd, controller.signal);
    return 'grew';
  } catch {
    return end;
  } finally {
    timer.clear();
    signal.removeEventListener('abort', onAbort);
    stream.goneSignal.removeEventListener('abort', onGone);
    closing.removeEventListener('abort', onClosing);
  }
}
