/**
 * StreamStore: a streamkit store (docs/conventions/streamkit.md) on a Messenger. Spaces are retained
 * channels `sk.<store>.<space>`; this instance writes them when it is the store's authority.
 */
import type { AuditRecord } from '../internal/audit/index.js';
import {
  joinWorkers,
  SkStore,
  ttlSecondsOf,
  withLease,
  type ConsumeWindow,
  type InventoryHandler,
  type JoinOptions,
  type Lease,
  type LeaseHandler,
  type LeaseState,
  type WithLeaseOptions,
  type WorkerInventory,
  type WorkerPresence,
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
   * Request/reply on this instance: the authority serves produce, lease and worker requests with it,
   * another instance sends them to the authority with it (without one, they fail there with 4003).
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

  /**
   * Acquires the lease on `key` for `holder` for `ttlMs` (whole seconds, 1 s to 24 h), decided by the
   * authority by its clock; the same holder acquiring again refreshes it. Rejects with a
   * `LeaseRefusedError` (4011) while another holder has it, with 5003 when the authority cannot be
   * reached. Prefer {@link StreamStore.withLease}, which renews and stops the work in time.
   */
  async acquireLease(key: string, holder: string, ttlMs: number): Promise<LeaseState> {
    const { coordinator } = await this.#store.leaseClient();
    return coordinator.acquire(key, holder, ttlSecondsOf(ttlMs));
  }

  /** Renews `holder`'s live lease on `key` for `ttlMs`; a lapsed lease is refused (4011). */
  async renewLease(key: string, holder: string, ttlMs: number): Promise<LeaseState> {
    const { coordinator } = await this.#store.leaseClient();
    return coordinator.renew(key, holder, ttlSecondsOf(ttlMs));
  }

  /** Releases `holder`'s lease on `key`; anyone else is refused (4011). */
  async releaseLease(key: string, holder: string): Promise<LeaseState> {
    const { coordinator } = await this.#store.leaseClient();
    return coordinator.release(key, holder);
  }

  /**
   * Runs `fn` holding the lease on `key`: renewed every ttl/2; `signal` aborts when a renewal is
   * refused or none was confirmed before the lease's deadline (this instance's clock, from the send
   * time of the last confirmed request, less a margin), so a cut-off holder stops before anyone else
   * can acquire. Pass `lease.fence` with produces made under it. Released when `fn` settles.
   */
  async withLease<T>(
    key: string,
    ttlMs: number,
    fn: (signal: AbortSignal, lease: Lease) => Promise<T>,
    options: WithLeaseOptions = {},
  ): Promise<T> {
    return withLease(await this.#store.leaseClient(), key, ttlMs, fn, options);
  }

  /** The lease of `key` as this instance knows it (a replica: as forwarded so far). */
  async getLease(key: string): Promise<LeaseState | undefined> {
    return (await this.#store.coordination()).leases.get(key);
  }

  /** Every lease this instance knows, sorted by key (released ones too: their fence stays). */
  async leases(): Promise<LeaseState[]> {
    return (await this.#store.coordination()).leases.list();
  }

  /** Calls `handler` with every known lease, then with each change; resolves with the unsubscribe. */
  async subscribeLeases(handler: LeaseHandler): Promise<() => void> {
    return (await this.#store.coordination()).leases.subscribe(handler);
  }

  /**
   * Registers a worker in the store's inventory and keeps it there (renewing at the interval, default
   * 30 s, clamped to 1-300 s) until `leave()`. A worker not seen for max(3 × interval, 30 s) is evicted
   * (it joins again on its next renewal); a join with the same id replaces the earlier one.
   */
  async joinWorkers(
    workerId: string,
    metadata: Record<string, string> = {},
    options: JoinOptions = {},
  ): Promise<WorkerPresence> {
    return joinWorkers(await this.#store.leaseClient(), workerId, metadata, options);
  }

  /** The store's worker inventory as this instance last read it. */
  async workers(): Promise<WorkerInventory> {
    return (await this.#store.coordination()).inventory.current;
  }

  /**
   * Calls `handler` with the full inventory now and after every join, leave, replacement and
   * eviction (on any instance the `_workers` channel is forwarded to); resolves with the unsubscribe.
   */
  async subscribeWorkers(handler: InventoryHandler): Promise<() => void> {
    return (await this.#store.coordination()).inventory.subscribe(handler);
  }

  /** Stops subscriptions and followers. */
  close(): Promise<void> {
    return this.#store.close();
  }
}
