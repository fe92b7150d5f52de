/** Following a channel that others append to: the one wait-and-read loop of spaces and control channels. */
import { untilGrowth, type ChannelLog } from '../storage/index.js';

/**
 * Waits for `log` to grow past `scanned()` and calls `catchUp` after each growth, until `signal`
 * aborts or the log closes.
 */
export async function followGrowth(
  log: ChannelLog,
  scanned: () => number,
  signal: AbortSignal,
  catchUp: () => Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    await untilGrowth(log, scanned(), signal);
    if (log.end <= scanned()) return; // the log closed
    await catchUp();
  }
}
