/**
 * Repeated log lines, kept in bounds: per key, the first lines of each interval are written, the
 * rest only counted and summed up in one line when the interval ends. A peer sending thousands of
 * bad records then costs a few lines, not thousands.
 */
import type { Clock, TimerHandle } from '../clock/index.js';
import type { LogFields, Logger } from './index.js';

/** A level of {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Settings of a {@link RepeatedLines}. */
export interface RepeatedLinesOptions {
  /** Lines written per key and interval; further ones are counted. */
  burst: number;
  /** Length of an interval, from the first line of a key. */
  intervalMs: number;
  clock: Clock;
}

/** One key's current interval. */
interface Interval {
  written: number;
  suppressed: number;
  /** The last suppressed line, repeated in the summary with its count. */
  last: { logger: Logger; level: LogLevel; fields: LogFields; msg: string } | undefined;
  timer: TimerHandle;
}

/** A rate limit on log lines by key; see the module comment. */
export class RepeatedLines {
  readonly #opts: RepeatedLinesOptions;
  readonly #intervals = new Map<string, Interval>();

  constructor(opts: RepeatedLinesOptions) {
    this.#opts = opts;
  }

  /**
   * Writes `msg` with `fields` at `level` to `logger`, unless `burst` lines of `key` were already
   * written in this interval: then it is counted, and the interval's end writes one line
   * `<msg> (suppressed <K> similar lines in <interval> ms)` with the last such line's fields and
   * `suppressed: K`.
   */
  log(logger: Logger, level: LogLevel, key: string, fields: LogFields, msg: string): void {
    let interval = this.#intervals.get(key);
    if (interval === undefined) {
      interval = {
        written: 0,
        suppressed: 0,
        last: undefined,
        timer: this.#opts.clock.setTimeout(() => {
          this.#end(key);
        }, this.#opts.intervalMs),
      };
      this.#intervals.set(key, interval);
    }
    if (interval.written < this.#opts.burst) {
      interval.written++;
      logger[level](fields, msg);
      return;
    }
    interval.suppressed++;
    interval.last = { logger, level, fields, msg };
  }

  /** Writes the summaries of every open interval now and stops their timers (on close). */
  flush(): void {
    for (const key of [...this.#intervals.keys()]) this.#end(key);
  }

  #end(key: string): void {
    const interval = this.#intervals.get(key);
    if (interval === undefined) return;
    this.#intervals.delete(key);
    interval.timer.clear();
    const { last, suppressed } = interval;
    if (last === undefined) return;
    last.logger[last.level](
      { ...last.fields, suppressed },
      `${last.msg} (suppressed ${suppressed} similar lines in ${this.#opts.intervalMs} ms)`,
    );
  }
}
