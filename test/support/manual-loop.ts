/** An event loop a test turns by hand, for the flush scheduler (see `EventLoop`). */
import type { EventLoop } from '../../internal/storage/index.js';

/** Queues microtasks and next-turn callbacks until the test runs them; the time is set by hand. */
export class ManualEventLoop implements EventLoop {
  /** What {@link ManualEventLoop.now} answers, in ms. */
  time = 0;
  readonly #microtasks: (() => void)[] = [];
  readonly #nextTurn: (() => void)[] = [];

  now(): number {
    return this.time;
  }

  soon(fn: () => void): void {
    this.#microtasks.push(fn);
  }

  nextTurn(fn: () => void): void {
    this.#nextTurn.push(fn);
  }

  /** Microtasks queued and not run yet. */
  get microtasks(): number {
    return this.#microtasks.length;
  }

  /** Callbacks waiting for the next turn. */
  get waitingForTurn(): number {
    return this.#nextTurn.length;
  }

  /** Runs the queued microtasks, and those they queue. */
  runMicrotasks(): void {
    for (let fn = this.#microtasks.shift(); fn !== undefined; fn = this.#microtasks.shift()) fn();
  }

  /** Ends the turn: its microtasks, then what waited for the next turn (not what that queues for the one after). */
  turn(): void {
    this.runMicrotasks();
    for (const fn of this.#nextTurn.splice(0)) fn();
    this.runMicrotasks();
  }
}
