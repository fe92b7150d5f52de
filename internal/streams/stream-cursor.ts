/**
 * A reader's position in a stream: the span-aware counterpart of the channel cursor
 * (`internal/delivery/cursor.ts`), built on the same two primitives of a channel log, `read` and the
 * one wait `onGrowth`. A fork reads several channels, and an HTTP reader carries its position in its
 * offset token, so this cursor persists nothing: it lives for one request.
 */
import { ownSpan, readStream, type ReadSource, type StreamChunk } from './stream-reader.js';

/** Reads a stream on from a position and waits at its tail. */
export class StreamCursor {
  readonly #source: ReadSource;
  #position: number;
  /** Own-channel offset the last read reached, when it reached the own span. */
  #ownPosition: number | undefined;

  /**
   * @param source - the stream
   * @param from - stream offset of the first read (a message boundary)
   */
  constructor(source: ReadSource, from: number) {
    this.#source = source;
    this.#position = from;
  }

  /** Stream offset of the next read. */
  get position(): number {
    return this.#position;
  }

  /**
   * About `maxBytes` of messages from the position on (at least one when one exists past it, none
   * at the tail); the position moves past them.
   */
  async next(maxBytes: number): Promise<StreamChunk> {
    const chunk = await readStream(this.#source, this.#position, maxBytes);
    this.#position = chunk.next;
    this.#ownPosition = chunk.ownPosition;
    return chunk;
  }

  /**
   * The wait at the tail: calls `onGrowth` (which must not throw) once the stream's own channel grows
   * past where the last read ended in it (past its current end when the last read did not reach
   * it), or its log closes. Returns a function that cancels the wait.
   */
  onGrowth(onGrowth: () => void): () => void {
    const { log } = ownSpan(this.#source);
    return log.onGrowth(this.#ownPosition ?? log.end, onGrowth);
  }
}
