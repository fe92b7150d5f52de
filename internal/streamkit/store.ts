/**
 * A streamkit store on one instance: its spaces (loaded at open), local produce when this instance is
 * the authority, the reads of §5 and the status subscriptions.
 */
import type { AuditRecord } from '../audit/index.js';
import type { Clock, TimerHandle } from '../clock/index.js';
import { EnvelopeEncoder, formatMillis, newEnvelopeId } from '../envelope/index.js';
import type { Logger } from '../logger/index.js';
import type { AppendResult, ChannelLog, Storage } from '../storage/index.js';
import {
  emptyEntry,
  prepareRecord,
  type PreparedRecord,
  type RecordInput,
  type SegmentStatus,
  type StreamEntry,
} from './entry.js';
import { badRequest, SkCode, StreamkitError } from './errors.js';
import {
  requestChannel,
  spaceChannel,
  spaceOfChannel,
  validateSegment,
  validateSpace,
  validateStore,
} from './names.js';
import {
  isFence,
  PRODUCE_TYPE,
  produceBody,
  produceHandler,
  requestProduce,
  type ExpectedFence,
} from './remote-produce.js';
import type { CoordinationRpc } from './coordination-rpc.js';
import type { ControlHost } from './control-host.js';
import { StoreCoordination } from './coordination.js';
import type { LeaseClient } from './with-lease.js';
import { isLeaseKey } from './lease-table.js';
import { GapRepair } from './gap-repair.js';
import { PEEK_TYPE, peekHandler } from './remote-peek.js';
import { RESYNC_TYPE, resyncHandler, spaceLines } from './resync.js';
import { Space } from './space.js';
import { writeTransaction, type WriteContext } from './trx-writer.js';
import { mergeSpaces, readPositions, readSegment, readSpace, type SpaceReader } from './space-reads.js';
import { byUtf8Bytes } from './space-index.js';
import {
  StatusHub,
  type StatusHandler,
  type StatusSubscription,
  type StatusSubscriptionOptions,
} from './status-subscriptions.js';
import { TrxMemory } from './trx-memory.js';
import { boundsOf, type ConsumeWindow, type SegmentWindow } from './window.js';

/** What a store needs of its Messenger. */
export interface StoreHost {
  readonly storage: Storage;
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  log(channel: string): Promise<ChannelLog>;
  append(channel: string, lines: Buffer, records: number): Promise<AppendResult>;
  /** Writes to the federation audit log, when one runs (replica refusals go there). */
  audit?(record: AuditRecord): void;
}

/** Options of one produce. */
export interface ProduceOptions {
  /** The segment's last sequence the producer expects (0 = empty), or `'any'` (the default). */
  expectedLastSequence?: number | 'any';
  /** The transaction id (a UUID); reuse it to retry safely. Default: a new one. */
  trxId?: string;
  /**
   * Write only under this lease: the authority refuses the produce (4010, `StaleFenceError`) unless
   * `fence` is the key's current fence and the lease is held.
   */
  fence?: ExpectedFence;
}

/** Figures of one space. */
export interface SpaceHealth {
  /** The last visible position. */
  lastPosition: number;
  /** Entries of torn transactions (a crash mid-append) found in the channel; never visible. */
  tornEntries: number;
  /**
   * Entries refused by the checks (a repeat, a second writer, a foreign writer; on the authority also
   * a gap); logged and audited, never visible.
   */
  refusedEntries: number;
  /** Gaps a replica found (runs of missing positions); each logged and audited (4090). */
  gaps: number;
  /** Entries a replica read past a gap and holds until it is repaired (not visible yet). */
  heldEntries: number;
  /** Entries a replica's gap repair wrote from the authority's answers. */
  repairedEntries: number;
}

/** Settings of a store. */
export interface SkStoreOptions {
  /** The store name. */
  store: string;
  /** The store's authority instance; default this one. */
  authority?: string;
  /** Serves produces, leases and workers (on the authority) or sends them (elsewhere). */
  rpc?: CoordinationRpc;
  /** Deadline of a produce sent to the authority; default 10 000 ms. */
  requestTimeoutMs?: number;
  /** How often a replica looks for space channels that federation created; default 1 000 ms. */
  discoveryIntervalMs?: number;
  /**
   * Inspect only (the CLI on a stopped instance's data dir): load the spaces on disk once, follow
   * nothing, write nothing (no abort marker, no retention mark), refuse produces. Without an
   * `authority`, each space's first writer is taken as it.
   */
  readOnly?: boolean;
}

const REQUEST_TIMEOUT_MS = 10_000;
const DISCOVERY_INTERVAL_MS = 1_000;

/** Most entries in one transaction. */
export const MAX_TRX_RECORDS = 10_000;
/** Most bytes of one transaction's lines. */
export const MAX_TRX_BYTES = 16 * 1024 * 1024;
/** Most bytes of one entry line. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

const TRX_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One store. Open with {@link SkStore.open}. */
export class SkStore {
  /** The store name. */
  readonly store: string;
  /** The store's authority instance ('' when opened read-only without one: learned per space). */
  readonly authority: string;
  readonly #host: StoreHost;
  readonly #spaces = new Map<string, Space>();
  readonly #loading = new Map<string, Promise<Space>>();
  readonly #repairs = new Map<string, GapRepair>();
  readonly #memory = new TrxMemory();
  readonly #encoder: EnvelopeEncoder;
  readonly #hub: StatusHub;
  readonly #logger: Logger;
  readonly #rpc: CoordinationRpc | undefined;
  readonly #requestTimeoutMs: number;
  readonly #readOnly: boolean;
  /** What every transaction write needs (made once: a produce allocates as little as it can). */
  readonly #writeContext: WriteContext;
  #service: { stop(): Promise<void> } | undefined;
  #coordination: Promise<StoreCoordination> | undefined;
  /** The authority's leases (opened before it serves produces, which check fences against them). */
  #leaseBook: StoreCoordination['leases'] | undefined;
  #discovery: TimerHandle | undefined;
  #lastTimestamp = 0;
  #closed = false;
  /** Aborted by close: held leases and joined workers stop renewing. */
  readonly #closing = new AbortController();

  private constructor(host: StoreHost, options: SkStoreOptions) {
    this.#host = host;
    this.store = options.store;
    this.#readOnly = options.readOnly === true;
    this.authority = options.authority ?? (this.#readOnly ? '' : host.name);
    this.#rpc = options.rpc;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.#encoder = new EnvelopeEncoder(host.name);
    this.#logger = host.logger.child({ component: 'streamkit', store: options.store });
    this.#hub = new StatusHub(host.clock, this.#logger);
    this.#writeContext = {
      encoder: this.#encoder,
      origin: host.name,
      append: (channel, data, records) => host.append(channel, data, records),
      forget: (id) => {
        this.#memory.forget(id);
      },
    };
  }

  /**
   * Opens `store`, loading every space channel of it found in the data dir. The authority serves
   * produce requests when given an rpc; another instance follows the space channels federation
   * forwards to it and sends its produces through the rpc.
   */
  static async open(host: StoreHost, options: SkStoreOptions): Promise<SkStore> {
    validateStore(options.store);
    const opened = new SkStore(host, options);
    await opened.#discoverSpaces();
    if (opened.isAuthority) opened.#leaseBook = (await opened.coordination()).leases;
    if (opened.isAuthority && options.rpc !== undefined) {
      const handler = produceHandler((call) =>
        opened.produce(call.space, call.segment, call.records, {
          expectedLastSequence: call.expectedLastSequence,
          trxId: call.trxId,
          ...(call.fence === undefined ? {} : { fence: call.fence }),
        }),
      );
      const channel = requestChannel(options.store);
      const produce = await options.rpc.serve(channel, PRODUCE_TYPE, handler);
      const peek = await options.rpc.serve(
        channel,
        PEEK_TYPE,
        peekHandler((space, segment) => opened.peek(space, segment)),
      );
      const resync = await options.rpc.serve(
        channel,
        RESYNC_TYPE,
        resyncHandler((body, signal) => spaceLines(opened.#spaces.get(body.space), body, signal)),
      );
      opened.#service = {
        stop: async () => {
          await produce.stop();
          await peek.stop();
          await resync.stop();
        },
      };
    }
    if (!opened.isAuthority && !opened.#readOnly) {
      opened.#discovery = host.clock.setInterval(() => {
        void opened.#discoverSpaces().catch((err: unknown) => {
          opened.#logger.warn({ err }, 'looking for new space channels failed');
        });
      }, options.discoveryIntervalMs ?? DISCOVERY_INTERVAL_MS);
    }
    return opened;
  }

  /** Whether this instance writes the store (never when opened read-only). */
  get isAuthority(): boolean {
    return !this.#readOnly && this.authority === this.#host.name;
  }

  /**
   * Produces `records` to (space, segment) as one transaction; resolves with the segment's status
   * once it is durable. A known trx id answers its original status and writes nothing.
   */
  produce(
    space: string,
    segment: string,
    records: readonly RecordInput[],
    options: ProduceOptions = {},
  ): Promise<SegmentStatus> {
    // Not async: on a loaded space the write is the promise returned, without an extra hop.
    try {
      return this.#produce(space, segment, records, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link SkStore.produce}, throwing synchronously what it refuses before writing. */
  #produce(
    space: string,
    segment: string,
    records: readonly RecordInput[],
    options: ProduceOptions,
  ): Promise<SegmentStatus> {
    this.#assertOpen();
    validateSpace(space);
    validateSegment(segment);
    const expected = options.expectedLastSequence ?? 'any';
    if (expected !== 'any' && (!Number.isSafeInteger(expected) || expected < 0)) {
      throw badRequest(`expectedLastSequence must be a whole number ≥ 0 or "any", got ${String(expected)}`);
    }
    const { fence } = options;
    if (fence !== undefined && (!isLeaseKey(fence.key) || !isFence(fence.fence))) {
      throw badRequest('fence must be {key: 1-1024 UTF-8 bytes, fence: whole number ≥ 1}');
    }
    const callerTrxId = options.trxId;
    if (callerTrxId !== undefined && !TRX_ID.test(callerTrxId)) {
      throw badRequest(`trxId must be a UUID, got ${JSON.stringify(callerTrxId)}`);
    }
    // A trx id made here is new: only a caller's id can be a retry.
    const known = this.#known(callerTrxId, space, segment);
    if (known !== undefined) return known;
    if (records.length === 0 || records.length > MAX_TRX_RECORDS) {
      throw badRequest(`a transaction holds 1 to ${MAX_TRX_RECORDS} records, got ${records.length}`);
    }
    const prepared = records.map((r, i) => prepareRecord(r, i));
    checkSizes(prepared, segment);
    // A UUID v7 like envelope ids: unique, and cheaper than a random v4 from the crypto module.
    // One clock read per produce: it stamps the transaction (and makes its id when the caller gave none).
    const now = this.#host.clock.now();
    const trxId = callerTrxId ?? newEnvelopeId(now);
    if (!this.isAuthority) {
      if (this.#readOnly) {
        throw new StreamkitError(
          SkCode.NOT_AUTHORITY,
          `store ${JSON.stringify(this.store)} is open read-only`,
        );
      }
      const rpc = this.#rpc;
      if (rpc === undefined) throw this.#noRoute();
      const body = produceBody({ space, segment, expectedLastSequence: expected, trxId, fence }, prepared);
      return requestProduce(rpc, requestChannel(this.store), body, this.#requestTimeoutMs);
    }
    const write = { segment, prepared, expected, trxId, callerTrxId, fence, now };
    const target = this.#spaces.get(space);
    return target === undefined ? this.#writeOnceLoaded(space, write) : this.#write(target, write);
  }

  /** The answer of a retry: the original status when the caller's trx id is known. */
  #known(trxId: string | undefined, space: string, segment: string): Promise<SegmentStatus> | undefined {
    const known = trxId === undefined ? undefined : this.#memory.get(trxId);
    if (known === undefined) return undefined;
    if (known.space !== space || known.segment !== segment) {
      throw badRequest(`trx id ${trxId ?? ''} was used for ${known.space}/${known.segment}`);
    }
    return known.status;
  }

  /** The first produce to a space: loads it (creating its channel), then writes. */
  async #writeOnceLoaded(space: string, write: PendingWrite): Promise<SegmentStatus> {
    const target = await this.#space(space);
    this.#assertOpen();
    return this.#known(write.callerTrxId, space, write.segment) ?? this.#write(target, write);
  }

  #write(target: Space, w: PendingWrite): Promise<SegmentStatus> {
    // Checked right before the synchronous reservation: no lease change can come in between.
    if (w.fence !== undefined) this.#leaseBook?.checkFence(w.fence.key, w.fence.fence);
    const written = writeTransaction(this.#writeContext, target, {
      segment: w.segment,
      prepared: w.prepared,
      expected: w.expected,
      trxId: w.trxId,
      firstId: w.callerTrxId === undefined ? w.trxId : undefined,
      timestamp: this.#stamp(w.now),
    });
    // Only a caller's trx id can come back in a retry; ids read from the channel are remembered too.
    if (w.callerTrxId !== undefined) this.#memory.remember(w.trxId, target.name, w.segment, written);
    return written;
  }

  /** The latest entry of a segment; sequence 0 when it has none. */
  async peek(space: string, segment: string): Promise<StreamEntry> {
    validateSpace(space);
    validateSegment(segment);
    const target = this.#spaces.get(space);
    const head = target?.index.segment(segment);
    const position = head?.positions[head.positions.length - 1];
    if (target === undefined || position === undefined) return emptyEntry(space, segment);
    const [entry] = await readPositions(target, [position]);
    return entry ?? emptyEntry(space, segment);
  }

  /** A segment's status, or undefined when it has no entry. */
  status(space: string, segment: string): SegmentStatus | undefined {
    validateSpace(space);
    validateSegment(segment);
    return this.#spaces.get(space)?.index.status(segment);
  }

  /** The store's spaces, sorted. */
  getSpaces(): string[] {
    return [...this.#spaces.keys()].sort(byUtf8Bytes);
  }

  /** The segments of a space, sorted. */
  getSegments(space: string): string[] {
    validateSpace(space);
    return [...(this.#spaces.get(space)?.index.segmentNames() ?? [])];
  }

  /** Entries of one segment in sequence order, within `window` (§5.1). */
  async *consumeSegment(
    space: string,
    segment: string,
    window: SegmentWindow = {},
  ): AsyncGenerator<StreamEntry> {
    validateSpace(space);
    validateSegment(segment);
    const bounds = boundsOf(window);
    const target = await this.#waitForSpace(space, window);
    if (target !== undefined) yield* readSegment(this.#reader(target, window), segment, bounds);
  }

  /** Entries of a space in position (commit) order, strictly after position `after` (§5.1). */
  async *consumeSpace(space: string, after = 0, window: ConsumeWindow = {}): AsyncGenerator<StreamEntry> {
    validateSpace(space);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw badRequest(`after must be a whole number ≥ 0, got ${after}`);
    }
    const bounds = boundsOf(window);
    const target = await this.#waitForSpace(space, window);
    if (target !== undefined) yield* readSpace(this.#reader(target, window), after, bounds);
  }

  /**
   * Entries of several spaces (`offsets` maps each to its exclusive `after`), merged by
   * (timestamp, space, position); always finite.
   */
  consume(
    offsets: Readonly<Record<string, number>>,
    window: Omit<ConsumeWindow, 'follow'> = {},
  ): AsyncGenerator<StreamEntry> {
    const bounds = boundsOf(window);
    const inner = { ...window, limit: 0, follow: false };
    const spaces = Object.keys(offsets).sort(byUtf8Bytes);
    return mergeSpaces(
      spaces.map((space) => this.consumeSpace(space, offsets[space] ?? 0, inner)),
      bounds.limit,
    );
  }

  /** Statuses of one segment: its current status first, then one per committed transaction. */
  subscribeToSegment(
    space: string,
    segment: string,
    handler: StatusHandler,
    options: StatusSubscriptionOptions = {},
  ): StatusSubscription {
    validateSpace(space);
    validateSegment(segment);
    const status = this.#spaces.get(space)?.index.status(segment);
    return this.#hub.subscribe(space, segment, status === undefined ? [] : [status], handler, options);
  }

  /** Statuses of every segment of a space: each current one (sorted by segment) first, then live. */
  subscribeToSpace(
    space: string,
    handler: StatusHandler,
    options: StatusSubscriptionOptions = {},
  ): StatusSubscription {
    validateSpace(space);
    const index = this.#spaces.get(space)?.index;
    const snapshot = (index?.segmentNames() ?? []).flatMap((segment) => index?.status(segment) ?? []);
    return this.#hub.subscribe(space, undefined, snapshot, handler, options);
  }

  /**
   * The store's leases and workers on this instance (opened on first use, except on the authority,
   * which opens them before serving anything).
   */
  coordination(): Promise<StoreCoordination> {
    this.#assertOpen();
    this.#coordination ??= StoreCoordination.open(this.#controlHost(), this.#rpc, this.#requestTimeoutMs);
    return this.#coordination;
  }

  /**
   * What leases and workers are asked of: the authority's own book here, or rpc to it; 4003 when
   * this instance is neither the authority nor has an rpc.
   */
  async leaseClient(): Promise<LeaseClient> {
    const { coordinator } = await this.coordination();
    if (coordinator === undefined) throw this.#noRoute();
    return {
      coordinator,
      clock: this.#host.clock,
      logger: this.#logger,
      instance: this.#host.name,
      requestTimeoutMs: this.#requestTimeoutMs,
      closed: this.#closing.signal,
    };
  }

  /** A space's figures: its last position, and the entries read but never made visible. */
  health(space: string): SpaceHealth {
    const loaded = this.#spaces.get(space);
    return {
      lastPosition: loaded?.index.lastPosition ?? 0,
      tornEntries: loaded?.torn ?? 0,
      refusedEntries: loaded?.refused ?? 0,
      gaps: loaded?.gaps ?? 0,
      heldEntries: loaded?.heldEntries ?? 0,
      repairedEntries: loaded?.repaired ?? 0,
    };
  }

  /** Stops subscriptions and followers; produces in flight still finish. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(
      new StreamkitError(SkCode.GOING_AWAY, `store ${JSON.stringify(this.store)} is closed`),
    );
    this.#discovery?.clear();
    await this.#service?.stop();
    await (await this.#coordination?.catch(() => undefined))?.close();
    for (const space of this.#spaces.values()) {
      space.stop();
      space.index.wakeAll();
    }
    await this.#hub.close();
  }

  /** Loads the space channels of the store found on disk that are not loaded yet. */
  async #discoverSpaces(): Promise<void> {
    for (const channel of await this.#host.storage.channelsOnDisk()) {
      const space = spaceOfChannel(this.store, channel);
      if (space !== undefined && !this.#spaces.has(space) && !this.#closed) await this.#space(space);
    }
  }

  /** 4003: this instance is not the authority and cannot reach it. */
  #noRoute(): StreamkitError {
    return new StreamkitError(
      SkCode.NOT_AUTHORITY,
      `store ${JSON.stringify(this.store)}: ${JSON.stringify(this.#host.name)} is not its authority (${JSON.stringify(this.authority)}) and has no rpc to reach it`,
    );
  }

  #controlHost(): ControlHost {
    const host = this.#host;
    return {
      store: this.store,
      authority: this.authority,
      decides: this.isAuthority,
      readOnly: this.#readOnly,
      clock: host.clock,
      logger: this.#logger,
      log: async (channel) => {
        if (this.#readOnly) return (await host.storage.hasChannel(channel)) ? host.log(channel) : undefined;
        if (!(await host.storage.isRetained(channel))) await host.storage.setRetained(channel, true);
        return host.log(channel);
      },
      appendRecord: async (channel, payloadType, payload) => {
        const now = host.clock.now();
        const line = this.#encoder.line(
          { id: newEnvelopeId(now), ts: formatMillis(now), channel, payloadType },
          JSON.stringify(payload),
        );
        await host.append(channel, Buffer.from(line), 1);
      },
    };
  }

  /** The gap repair of a replica's space; none on the authority, read-only or without an rpc. */
  #repairOf(space: Space): GapRepair | undefined {
    const rpc = this.#rpc;
    if (this.isAuthority || this.#readOnly || rpc === undefined || this.authority === '') return undefined;
    let repair = this.#repairs.get(space.name);
    if (repair === undefined) {
      repair = new GapRepair(space, {
        rpc,
        requestChannel: requestChannel(this.store),
        authority: this.authority,
        clock: this.#host.clock,
        logger: this.#logger,
        timeoutMs: this.#requestTimeoutMs,
        signal: this.#closing.signal,
      });
      this.#repairs.set(space.name, repair);
    }
    return repair;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new StreamkitError(SkCode.GOING_AWAY, `store ${JSON.stringify(this.store)} is closed`);
  }

  /** The timestamp of a transaction produced at `now`: never below the store's last one. */
  #stamp(now: number): number {
    this.#lastTimestamp = Math.max(now, this.#lastTimestamp);
    return this.#lastTimestamp;
  }

  #reader(space: Space, window: ConsumeWindow): SpaceReader {
    return {
      space,
      follow: window.follow === true,
      signal: window.signal,
      closed: () => this.#closed,
    };
  }

  async #waitForSpace(space: string, window: ConsumeWindow): Promise<Space | undefined> {
    const existing = this.#spaces.get(space);
    if (existing !== undefined || window.follow !== true || this.#readOnly) return existing;
    return this.#space(space);
  }

  /** The space, loaded (and its channel created and marked retained) on first use. */
  #space(name: string): Promise<Space> {
    const loaded = this.#spaces.get(name);
    if (loaded !== undefined) return Promise.resolve(loaded);
    let loading = this.#loading.get(name);
    if (loading === undefined) {
      loading = this.#load(name).finally(() => this.#loading.delete(name));
      this.#loading.set(name, loading);
    }
    return loading;
  }

  async #load(name: string): Promise<Space> {
    const channel = spaceChannel(this.store, name);
    const { storage } = this.#host;
    if (!this.#readOnly && !(await storage.isRetained(channel))) await storage.setRetained(channel, true);
    const log = await this.#host.log(channel);
    const space = await Space.load(name, log, {
      authority: this.authority === '' ? undefined : this.authority,
      writable: this.isAuthority,
      memory: this.#memory,
      encoder: this.#encoder,
      logger: this.#logger,
      now: () => this.#host.clock.now(),
      append: (ch, lines, records) => this.#host.append(ch, lines, records),
      committed: (status) => {
        this.#hub.publish(status);
      },
      audit: (record) => this.#host.audit?.(record),
      gap: (gapped) => {
        this.#repairOf(gapped)?.start();
      },
    });
    this.#lastTimestamp = Math.max(this.#lastTimestamp, space.index.lastTimestamp);
    this.#spaces.set(name, space);
    for (const segment of space.index.segmentNames()) {
      const status = space.index.status(segment);
      if (status !== undefined) this.#hub.publish(status);
    }
    if (!this.isAuthority && !this.#readOnly) space.follow();
    if (space.firstHole() !== undefined) this.#repairOf(space)?.start();
    return space;
  }
}

/** A produce accepted for writing, on its way to {@link writeTransaction}. */
interface PendingWrite {
  segment: string;
  prepared: PreparedRecord[];
  expected: number | 'any';
  trxId: string;
  /** The caller's trx id (a retry may repeat it), when it gave one. */
  callerTrxId: string | undefined;
  /** The lease fence the write must be made under. */
  fence: ExpectedFence | undefined;
  /** The clock when the produce was accepted. */
  now: number;
}

/** Room an entry's envelope and fields take besides its record and segment (generous). */
const ENTRY_OVERHEAD_BYTES = 512;

/** Refuses (4000, before anything is reserved) records that would break the size limits. */
export function checkSizes(prepared: readonly PreparedRecord[], segment: string): void {
  const overhead = ENTRY_OVERHEAD_BYTES + 2 * Buffer.byteLength(segment);
  let total = 0;
  for (let index = 0; index < prepared.length; index++) {
    const body = prepared[index]?.body ?? '';
    // A UTF-16 unit is at most 3 UTF-8 bytes: count the bytes only when the bound is not enough.
    const bound = 3 * body.length + overhead;
    const size = bound <= MAX_ENTRY_BYTES ? bound : Buffer.byteLength(body) + overhead;
    if (size > MAX_ENTRY_BYTES) {
      throw badRequest(
        `record ${index}: about ${size} bytes as an entry, over the ${MAX_ENTRY_BYTES}-byte limit`,
      );
    }
    total += size;
  }
  if (total > MAX_TRX_BYTES) checkTotal(prepared, overhead);
}

/** The exact total of a transaction whose bound passed {@link MAX_TRX_BYTES}. */
function checkTotal(prepared: readonly PreparedRecord[], overhead: number): void {
  let total = 0;
  for (const record of prepared) total += Buffer.byteLength(record.body) + overhead;
  if (total > MAX_TRX_BYTES) {
    throw badRequest(`transaction of about ${total} bytes exceeds the ${MAX_TRX_BYTES}-byte limit`);
  }
}
