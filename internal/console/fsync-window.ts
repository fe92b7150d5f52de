/** The latest fsync latencies, summarised for the console's overview. */

/** Latencies kept (the most recent ones). */
const KEPT = 512;

/** A ring of the latest fsync latencies. */
export class FsyncWindow {
  readonly #seconds: number[] = [];
  #count = 0;

  /** Adds one fsync that took `seconds`. */
  record(seconds: number): void {
    if (this.#seconds.length === KEPT) this.#seconds.shift();
    this.#seconds.push(seconds);
    this.#count += 1;
  }

  /** Fsyncs since start, and the median and largest of the latest ones in milliseconds. */
  summary(): { count: number; p50Ms: number; maxMs: number } {
    const sorted = [...this.#seconds].sort((a, b) => a - b);
    const at = (i: number): number => (sorted[i] ?? 0) * 1000;
    return { count: this.#count, p50Ms: at(Math.floor(sorted.length / 2)), maxMs: at(sorted.length - 1) };
  }
}
