/**
 * Fsync latency per channel, measured at the segment-file seam. Cheap enough to be always on (two
 * clock reads per fsync); whoever exposes it (the `/metrics` route) listens for the observations.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SegmentFile, SegmentFs } from '../storage/index.js';

/** Called with the channel of a segment file and how long its fsync took. */
export type FsyncListener = (channel: string, seconds: number) => void;

/** Where fsync latencies go: nowhere until a listener is added. */
export class FsyncTimings {
  readonly #listeners = new Set<FsyncListener>();

  /** Calls `listener` for every fsync from now on; returns its removal. */
  listen(listener: FsyncListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reports an fsync of the segment file `file` (`channels/<channel>/<segment>`) that took `seconds`. */
  record(file: string, seconds: number): void {
    if (this.#listeners.size === 0) return;
    const channel = path.basename(path.dirname(file));
    for (const listener of this.#listeners) listener(channel, seconds);
  }

  /**
   * `inner` with each fsync (on the thread pool or the loop's thread) timed into this recorder; a
   * failed fsync is timed too.
   */
  wrap(inner: SegmentFs): SegmentFs {
    return {
      open: (file) => this.#timed(inner.open(file)),
      create: (file) => this.#timed(inner.create(file)),
    };
  }

  #timed(file: SegmentFile): SegmentFile {
    const record = (started: number): void => {
      this.record(file.path, (performance.now() - started) / 1000);
    };
    return {
      path: file.path,
      write: (data) => file.write(data),
      datasync: async () => {
        const started = performance.now();
        try {
          await file.datasync();
        } finally {
          record(started);
        }
      },
      datasyncNow: () => {
        const started = performance.now();
        try {
          file.datasyncNow();
        } finally {
          record(started);
        }
      },
      truncate: (size) => {
        file.truncate(size);
      },
      size: () => file.size(),
      close: () => {
        file.close();
      },
    };
  }
}
