/** The Durable Streams of the HTTP endpoint as the console lists them. */
import type { Stream, StreamService } from '../streams/index.js';

/** What {@link streamRows} reads of the endpoint's stream service. */
export type StreamLister = Pick<StreamService, 'paths' | 'peek'>;

/** One idempotent producer of a stream: its epoch and last accepted sequence. */
export interface ProducerRow {
  readonly id: string;
  readonly epoch: number;
  readonly lastSeq: number;
}

/** One Durable Stream: where it lives, its size, lifetime, closure and producers. */
export interface StreamRow {
  readonly path: string;
  readonly channel: string;
  readonly contentType: string;
  /** Unix ms. */
  readonly createdAt: number;
  /** Stream offsets of its first message and its tail, and the bytes between them. */
  readonly start: number;
  readonly tail: number;
  readonly bytes: number;
  readonly closed: boolean;
  /** The sliding idle TTL in seconds, or the absolute expiry, when it has one. */
  readonly ttlSeconds: number | undefined;
  readonly expiresAt: string | undefined;
  /** The path of the stream it was forked from. */
  readonly forkOf: string | undefined;
  /** Producers sorted by id. */
  readonly producers: readonly ProducerRow[];
}

/** The live streams of `service`, sorted by path, with their producers (each stream's state loads once). */
export async function streamRows(service: StreamLister): Promise<StreamRow[]> {
  const rows: StreamRow[] = [];
  for (const path of service.paths().sort()) {
    const stream = service.peek(path);
    if (stream !== undefined) rows.push(streamRow(stream, await stream.ready()));
  }
  return rows;
}

/** One row from a stream and its writer state. */
export function streamRow(
  stream: Pick<Stream, 'meta' | 'start' | 'tail' | 'closed'>,
  state: { producers: ReadonlyMap<string, { epoch: number; lastSeq: number }> },
): StreamRow {
  const { meta } = stream;
  return {
    path: meta.path,
    channel: meta.channel,
    contentType: meta.contentType,
    createdAt: meta.createdAt,
    start: stream.start,
    tail: stream.tail,
    bytes: stream.tail - stream.start,
    closed: stream.closed,
    ttlSeconds: meta.ttlSeconds,
    expiresAt: meta.expiresAt,
    forkOf: meta.fork?.source,
    producers: [...state.producers]
      .map(([id, p]) => ({ id, epoch: p.epoch, lastSeq: p.lastSeq }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
