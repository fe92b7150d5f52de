/**
 * Abort signals that every live reader of a stream (or of the whole service) listens to: one
 * listener per parked long-poll or SSE response is expected, and each is removed when its read
 * ends, so Node's "possible leak" warning past 10 listeners would only be noise in an operator's log.
 */
import { setMaxListeners } from 'node:events';

/** A controller whose signal may have any number of listeners without a warning. */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
