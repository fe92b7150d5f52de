/** Waiting for a log to grow, as a promise: the one wait of {@link ChannelLog}, made awaitable. */
import type { ChannelLog } from './channel-log.js';

/**
 * Resolves once `log`'s readable end moves past `seenEnd` (at once if it already has, or when the
 * log closes); rejects with `signal.reason` on abort.
 */
export function untilGrowth(
  log: Pick<ChannelLog, 'onGrowth'>,
  seenEnd: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let grown = false;
    let cancel = (): void => undefined;
    const onAbort = (): void => {
      cancel();
      reject(signal?.reason);
    };
    cancel = log.onGrowth(seenEnd, () => {
      grown = true;
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    if (grown || signal === undefined) return;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
