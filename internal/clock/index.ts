/**
 * The time seam. Everything that waits or reads the time takes a {@link Clock}, so tests can drive
 * backoff schedules and intervals without sleeping.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

/** A cancellable timer handle. */
export interface TimerHandle {
  /** Cancels the timer; calling it twice is harmless. */
  clear(): void;
}

/** Time source and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` once after `ms`. The timer never keeps the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Calls `fn` every `ms`. The timer never keeps the process alive. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

/** The real clock: `Date.now` and Node's timers, unref'd. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleepFor(ms, undefined, signal === undefined ? { ref: false } : { signal, ref: false });
  },
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return {
      clear: () => {
        clearTimeout(t);
      },
    };
  },
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return {
      clear: () => {
        clearInterval(t);
      },
    };
  },
};

export { Backoff, backoffDelay, type BackoffPolicy } from './backoff.js';
export { keepProcessAlive } from './keep-alive.js';
