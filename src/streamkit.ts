/**
 * StreamStore: a streamkit store (docs/conventions/streamkit.md) on a Messenger. Spaces are retained
 * channels `sk.<store>.<space>`; this instance writes them when it is the store's authority.
 */
import type { AuditRecord } from '../internal/audit/index.js';
import {
  SkStore,
  type ConsumeWindow,
  type ProduceOptions,
  type RecordInput,
  type SegmentStatus,
  type SegmentWindow,
  type SpaceHealth,
  type StatusHandler,
  type StatusSubscription,
  type StatusSubscriptionOptions,
  type StreamEntry,
} from '../internal/streamkit/index.js';
import { internalsOf } from './wiring/index.js';
import type { Messenger } from './messenger.js';
import type { StreamRpc } from './rpc.js';

/** Settings of a {@link StreamStore}. */
export interface StreamStoreOptions {
  /** The store name, `[a-z0-9-]{1,64}`. */
  store: string;
  /** The instance that writes the store; the same on every instance. Default: this one. */
  authority?: string;
  /**
   * Request/reply on this instance: the authority serves produce requests with it, another instance
   * sends its produces to the authority with it (without one, produce there fails with 4003).
   */
  rpc?: StreamRpc;
  /** Deadline of a produce sent to the authority; default 10 000 ms. */
  requestTimeoutMs?: number;
}

/** Options of {@link StreamStore.append}. */
export interface AppendOptions extends ProduceOptions {
  /** Optional string metadata. */
  metadata?: Record<string, string>;
}

/**
 * A streamkit store: produce with optimistic concurrency, reads from a local index, and status
 * subscriptions. Open one per store and instance; close it before the Messenger.
 *
 * @example
 * const store = await StreamStore.open(messenger, { store: 'orders' });
 * await store.append('eu', 'order-17', { placed: true }, { expectedLastSequence: 0 });
 * for await (const e of store.consumeSegment('eu', 'order-17')) console.log(e.sequence, e.data);
 */
export class StreamStore {
  readonly #store: SkStore;

  private constructor(store: SkStore) {
    this.#store = store;
  }

  /** Opens `options.store` on `messenger`, rebuilding the index of every space it already has. */
  static async open(messenger: Messenger, options: StreamStoreOptions): Promise<StreamStore> {
    const internals = internalsOf(messenger);
    const host = {
      storage: internals.storage,
      name: internals.name,
      clock: internals.clock,
      logger: internals.logger,
      log: (channel: string) => internals.log(channel),
      append: (channel: string, lines: Buffer, records: number) => internals.append(channel, lines, records),
      audit: (record: AuditRecord) => internals.federation()?.audit.log(record),
    };
    return new StreamStore(await SkStore.open(host, options));
  }

  /** The store name. */
  get name(): string {
    return this.#store.store;
  }

  /** The authority instance. */
  get authority(): string {
    return this.#store.authority;
  }

  /**
   * Produces `records` to (space, segment) as one transaction (all visible or none, also across a
   * crash). `expectedLastSequence` (default `'any'`) makes concurrent producers safe: a mismatch
   * throws a `SequenceMismatchError` (4009, permanent) and writes nothing. Resolves with the
   * segment's status once durable; retrying with the same `trxId` answers the original status.
   */
  produce(
    space: string,
    segment: string,
    records: readonly RecordInput[],
    options: ProduceOptions = {},
  ): Promise<SegmentStatus> {
    return this.#store.produce(space, segment, records, options);
  }

  /** Produces one record (`data` as JSON, or bytes when a Uint8Array); see {@link StreamStore.produce}. */
  append(space: string, segment: string, data: unknown, options: AppendOptions = {}): Promise<SegmentStatus> {
    const record: RecordInput = data instanceof Uint8Array ? { bytes: data } : { data };
    if (options.metadata !== undefined) record.metadata = options.metadata;
    return this.#store.produce(space, segment, [record], options);
  }

  /** The latest entry of a segment; an entry with sequence 0 when it has none (not an error). */
  peek(space: string, segment: string): Promise<StreamEntry> {
    return this.#store.peek(space, segment);
  }

  /**
   * Entries of one segment in sequence order. Sequences inclusive (0 = open, max below min means
   * max = min), timestamps min-exclusive and max-inclusive, limit 0 = none (clamped to 10,000,000);
   * ends at the current last entry unless `follow`.
   */
  consumeSegment(space: string, segment: string, window: SegmentWindow = {}): AsyncIterable<StreamEntry> {
    return this.#store.consumeSegment(space, segment, window);
  }

  /** Entries of a space in commit order, strictly after position `after` (0 = from the start). */
  consumeSpace(space: string, after = 0, window: ConsumeWindow = {}): AsyncIterable<StreamEntry> {
    return this.#store.consumeSpace(space, after, window);
  }

  /**
   * Entries of several spaces (`offsets`: space → exclusive `after`), merged by timestamp, then
   * space name, then position; finite; `limit` counts the whole result.
   */
  consume(
    offsets: Readonly<Record<string, number>>,
    window: Omit<ConsumeWindow, 'follow'> = {},
  ): AsyncIterable<StreamEntry> {
    return this.#store.consume(offsets, window);
  }

  /** The store's spaces, sorted. */
  getSpaces(): string[] {
    return this.#store.getSpaces();
  }

  /** A space's segments, sorted. */
  getSegments(space: string): string[] {
    return this.#store.getSegments(space);
  }

  /** A segment's status, or undefined when it has no entry. */
  getSegmentStatus(space: string, segment: string): SegmentStatus | undefined {
    return this.#store.status(space, segment);
  }

  /** Statuses of one segment: a snapshot, then one per transaction, coalesced for a slow handler. */
  subscribeToSegment(
    space: string,
    segment: string,
    handler: StatusHandler,
    options: StatusSubscriptionOptions = {},
  ): StatusSubscription {
    return this.#store.subscribeToSegment(space, segment, handler, options);
  }

  /** Statuses of every segment of a space: a snapshot sorted by segment, then live, coalesced. */
  subscribeToSpace(
    space: string,
    handler: StatusHandler,
    options: StatusSubscriptionOptions = {},
  ): StatusSubscription {
    return this.#store.subscribeToSpace(space, handler, options);
  }

  /** A space's figures: last position, torn and refused entries seen in its channel. */
  health(space: string): SpaceHealth {
    return this.#store.health(space);
  }

  /** Stops subscriptions and followers. */
  close(): Promise<void> {
    return this.#store.close();
  }
}
