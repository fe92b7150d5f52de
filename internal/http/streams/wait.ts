/** Waiting at the tail of a stream for new records, with a timeout, for long-poll and SSE. */
import type { Clock } from '../../clock/index.js';
import type { Stream } from '../../streams/index.js';

/** Why a wait ended. */
export type WaitEnd = 'grew' | 'timeout' | 'aborted' | 'gone';

/**
 * Waits until the stream's own channel grows past `seenEnd`, the timeout passes, `signal` aborts
 * (the client left) or the stream is deleted.
 */
export async function waitAtTail(
  stream: Stream,
  seenEnd: number,
  timeoutMs: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<WaitEnd> {
  if (signal.aborted) return 'aborted';
  if (stream.goneSignal.aborted) return 'gone';
  const controller = new AbortController();
  let end: WaitEnd = 'grew';
  const stop = (why: WaitEnd) => () => {
    end = why;
    controller.abort();
  };
  const onAbort = stop('aborted');
  const onGone = stop('gone');
  const timer = clock.setTimeout(stop('timeout'), timeoutMs);
  signal.addEventListener('abort', onAbort, { once: true });
  stream.goneSignal.addEventListener('abort', onGone, { once: true });
  try {
    await stream.own.log.waitForGrowth(seenEnd, controller.signal);
    return 'grew';
  } catch {
    return end;
  } finally {
    timer.clear();
    signal.removeEventListener('abort', onAbort);
    stream.goneSignal.removeEventListener('abort', onGone);
  }
}
