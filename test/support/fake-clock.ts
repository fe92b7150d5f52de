/** A manual clock for tests: time moves only when the test calls advance(). */
import type { Clock, TimerHandle } from '../../internal/clock/index.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  every: number | undefined;
}

/** A {@link Clock} driven by the test. `sleeps` records every sleep requested, in order. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Set<Timer>();
  /** Every `sleep(ms)` requested so far. */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        handle.clear();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.#now + ms, seq: this.#seq++, fn, every: undefined };
    this.#timers.add(timer);
    return { clear: () => this.#timers.delete(timer) };
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.#now + ms, seq: this.#seq++, fn, every: ms };
    this.#timers.add(timer);
    return { clear: () => this.#timers.delete(timer) };
  }

  /** Timers (one-shot) waiting to fire. */
  get pendingTimeouts(): number {
    return [...this.#timers].filter((t) => t.every === undefined).length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers]
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      if (due.every === undefined) this.#timers.delete(due);
      else due.at += due.every;
      due.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
