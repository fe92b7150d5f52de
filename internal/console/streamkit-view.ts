/** The streamkit stores and the request/reply streams a daemon hosts, as the console shows them. */

/** Segments listed per space (the count is always given). */
export const SEGMENTS_SHOWN = 100;

/** The status of one segment, as a store reports it. */
interface SegmentFigures {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly lastTimestamp: number;
}

/** One lease as a store knows it. */
interface LeaseFigures {
  readonly key: string;
  readonly holder: string | undefined;
  readonly fence: number;
  readonly expiresAt: number;
}

/** One worker of a store's inventory. */
interface WorkerFigures {
  readonly workerId: string;
  readonly origin: string;
  readonly lastSeenAt: number;
  readonly heartbeatIntervalSeconds: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** What {@link storeRows} reads of a store (a `StreamStore`). */
export interface StoreSource {
  readonly name: string;
  readonly authority: string;
  getSpaces(): string[];
  getSegments(space: string): string[];
  getSegmentStatus(space: string, segment: string): SegmentFigures | undefined;
  health(space: string): { lastPosition: number; tornEntries: number; refusedEntries: number };
  leases(): Promise<readonly LeaseFigures[]>;
  workers(): Promise<{ workers: readonly WorkerFigures[]; version: number }>;
}

/** One store: its spaces with their segments, its leases and workers. */
export interface StoreRow {
  readonly name: string;
  readonly authority: string;
  readonly spaces: readonly {
    readonly name: string;
    readonly lastPosition: number;
    readonly tornEntries: number;
    readonly refusedEntries: number;
    readonly segmentCount: number;
    /** The first {@link SEGMENTS_SHOWN} segments, sorted. */
    readonly segments: readonly ({ readonly name: string } & SegmentFigures)[];
  }[];
  /** Leases held now (released and lapsed ones are left out). */
  readonly leases: readonly LeaseFigures[];
  readonly workers: readonly WorkerFigures[];
  /** The inventory's version (+1 per snapshot). */
  readonly workersVersion: number;
}

/** The stores, in the order given; leases held at `now` (Unix ms) only. */
export async function storeRows(stores: readonly StoreSource[], now: number): Promise<StoreRow[]> {
  return Promise.all(
    stores.map(async (store) => {
      const [leases, inventory] = await Promise.all([store.leases(), store.workers()]);
      return {
        name: store.name,
        authority: store.authority,
        spaces: store.getSpaces().map((space) => {
          const segments = store.getSegments(space);
          return {
            name: space,
            ...store.health(space),
            segmentCount: segments.length,
            segments: segments.slice(0, SEGMENTS_SHOWN).flatMap((segment) => {
              const status = store.getSegmentStatus(space, segment);
              if (status === undefined) return [];
              const { firstSequence, lastSequence, lastTimestamp } = status;
              return [{ name: segment, firstSequence, lastSequence, lastTimestamp }];
            }),
          };
        }),
        leases: leases
          .filter((lease) => lease.holder !== undefined && lease.expiresAt > now)
          .map(({ key, holder, fence, expiresAt }) => ({ key, holder, fence, expiresAt })),
        workers: inventory.workers.map(
          ({ workerId, origin, lastSeenAt, heartbeatIntervalSeconds, metadata }) => ({
            workerId,
            origin,
            lastSeenAt,
            heartbeatIntervalSeconds,
            metadata,
          }),
        ),
        workersVersion: inventory.version,
      };
    }),
  );
}

/** A served request/reply stream. */
interface OpenRpcStream {
  readonly id: string;
  readonly channel: string;
  readonly payloadType: string;
  readonly replyTo: string;
}

/** What {@link rpcRow} reads of the daemon's request/reply (a `StreamRpc`). */
export interface RpcSource {
  readonly inbox: string;
  stats(): { requesting: number; serving: number; served: number; expired: number; duplicates: number };
  servedStreams(): readonly OpenRpcStream[];
}

/** The request/reply of the daemon: its inbox, counters and the streams it serves now. */
export interface RpcRow {
  readonly inbox: string;
  readonly requesting: number;
  readonly serving: number;
  readonly served: number;
  readonly expired: number;
  readonly duplicates: number;
  readonly streams: readonly OpenRpcStream[];
}

/** The row of `rpc`. */
export function rpcRow(rpc: RpcSource): RpcRow {
  const { requesting, serving, served, expired, duplicates } = rpc.stats();
  const streams = rpc.servedStreams().map(({ id, channel, payloadType, replyTo }) => ({
    id,
    channel,
    payloadType,
    replyTo,
  }));
  return { inbox: rpc.inbox, requesting, serving, served, expired, duplicates, streams };
}
