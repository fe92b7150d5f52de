/**
 * Live cursors (`Stream-Cursor`): the number of 20-second intervals since 2024-10-09T00:00:00Z, so
 * that CDNs can collapse identical live requests. When a client echoes a cursor that is not behind
 * the current interval, the answer moves strictly ahead of it by a random jitter (1 s to 1 h worth
 * of intervals), so a client never sees the same cursor twice in a row.
 */

const EPOCH_MS = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;
const MIN_JITTER_S = 1;
const MAX_JITTER_S = 3_600;

/** The cursor to answer with, given the time and the client's `cursor` parameter. */
export function nextCursor(
  now: number,
  clientCursor: string | undefined,
  random: () => number = Math.random,
): string {
  const current = Math.floor((now - EPOCH_MS) / INTERVAL_MS);
  if (clientCursor === undefined || !/^\d+$/.test(clientCursor)) return String(current);
  const echoed = Number(clientCursor);
  if (!Number.isSafeInteger(echoed) || echoed < current) return String(current);
  const jitterSeconds = MIN_JITTER_S + Math.floor(random() * (MAX_JITTER_S - MIN_JITTER_S + 1));
  return String(echoed + Math.max(1, Math.ceil((jitterSeconds * 1000) / INTERVAL_MS)));
}
