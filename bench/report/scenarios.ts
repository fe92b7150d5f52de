/**
 * The side-by-side scenarios of the report: for each, which metric of which group is ours, which
 * is a peer's and which is a floor, and what an acknowledgement means for each (so that a durable
 * write is never compared with a non-durable one without saying so).
 */
import { ackMetricNames } from '../measure.js';

/** Who a figure belongs to. */
export type SystemId = 'ours' | 'floor' | 'redis' | 'nats' | 'mosquitto' | 'durable-streams-ref';

/**
 * What an acknowledged write means: `fsync` (on disk before the ack), `os` (written to the OS before
 * the ack, fsynced later), `memory` (held in a process's memory), `none` (nothing is stored: reads,
 * request/reply, storeless floors).
 */
export type Durability = 'fsync' | 'os' | 'memory' | 'none';

/** Human wording of each durability class. */
export const DURABILITY_LABEL: Record<Durability, string> = {
  fsync: 'fsync before the ack',
  os: 'in the OS page cache at the ack, fsync later',
  memory: 'in memory at the ack',
  none: 'nothing stored',
};

/** One bar (or pair of bars, for latencies) of a scenario. */
export interface ScenarioEntry {
  system: SystemId;
  label: string;
  durability: Durability;
  /** The metric drawn (the p50 one for latency scenarios). */
  metric: string;
  /** The p99 metric of a latency entry, when measured. */
  p99?: string;
  /** Ours is ranked only against peers of the same mode (e.g. long-poll against long-poll). */
  mode?: string;
}

/** One scenario: the same work done by us, the peers and the floors. */
export interface Scenario {
  id: string;
  title: string;
  /** What is measured and how, in one or two sentences. */
  note: string;
  kind: 'throughput' | 'latency';
  entries: ScenarioEntry[];
  /**
   * A throughput scenario whose entries also measured each operation's send → ack latency
   * (`<metric>.ack_p50_us`, `.ack_p99_us`, see {@link ackLatencyScenario}).
   */
  ackLatency?: boolean;
}

/**
 * The latency side of a throughput scenario: the same entries, each drawn from the send → ack latency
 * percentiles measured in the same runs as its rate.
 */
export function ackLatencyScenario(s: Scenario): Scenario {
  return {
    id: `${s.id}-ack`,
    title: `Ack latency: ${s.title.replace(/^Acknowledged publish/, 'publish')}`,
    note:
      'Measured in the same runs as the throughput above: the time from each call to its acknowledgement ' +
      'as the caller sees it, per message; p50 and p99 of all of a run’s samples, medians over the runs. ' +
      'With many in flight it includes the wait behind the others (about in-flight ÷ rate).',
    kind: 'latency',
    entries: s.entries.map((e) => {
      const names = ackMetricNames(e.metric);
      return { ...e, metric: names.p50, p99: names.p99 };
    }),
  };
}

const embedded = 'keyop, embedded (no network)';
const overHub = 'keyop, client → hub process (mTLS)';

/** Redis XADD under `appendfsync` (always: fsync before the ack; everysec: fsync within a second). */
function redisXadd(appendfsync: 'always' | 'everysec', inFlight: 'c1' | 'c64'): ScenarioEntry {
  return {
    system: 'redis',
    label: `Redis XADD, appendfsync ${appendfsync}`,
    durability: appendfsync === 'always' ? 'fsync' : 'os',
    metric: `peer.redis.xadd.${appendfsync}.${inFlight}`,
  };
}

/** The NATS and Mosquitto publishes, `inFlight` at a time (the same runs in every publish scenario). */
function natsAndMosquittoPublish(inFlight: 'c1' | 'c64'): ScenarioEntry[] {
  return [
    {
      system: 'nats',
      label: 'NATS JetStream publish (file)',
      durability: 'os',
      metric: `peer.nats.js.publish.${inFlight}`,
    },
    {
      system: 'mosquitto',
      label: 'Mosquitto QoS 1',
      durability: 'memory',
      metric: `peer.mosquitto.qos1.publish.${inFlight}`,
    },
  ];
}

/** A publish scenario: ours, then Redis XADD, NATS and Mosquitto at the same `inFlight`, then a floor. */
function publishScenario(s: {
  id: string;
  title: string;
  note: string;
  ours: ScenarioEntry[];
  appendfsync: 'always' | 'everysec';
  inFlight: 'c1' | 'c64';
  floor: Omit<ScenarioEntry, 'system'>;
}): Scenario {
  return {
    id: s.id,
    title: s.title,
    note: s.note,
    kind: 'throughput',
    ackLatency: true,
    entries: [
      ...s.ours,
      redisXadd(s.appendfsync, s.inFlight),
      ...natsAndMosquittoPublish(s.inFlight),
      { system: 'floor', ...s.floor },
    ],
  };
}

/** Every scenario, in report order. */
export const SCENARIOS: readonly Scenario[] = [
  publishScenario({
    id: 'publish-fsync-c1',
    title: 'Acknowledged publish, fsync before the ack, 1 in flight',
    note: 'One publisher awaiting each ack, ~300-byte envelope lines.',
    ours: [
      { system: 'ours', label: embedded, durability: 'fsync', metric: 'storage.publish.always.c1' },
      { system: 'ours', label: overHub, durability: 'fsync', metric: 'ephemeral.publish.always.c1' },
    ],
    appendfsync: 'always',
    inFlight: 'c1',
    floor: { label: 'floor: write + fdatasync loop', durability: 'fsync', metric: 'floor.fdatasync.c1' },
  }),
  publishScenario({
    id: 'publish-fsync-c64',
    title: 'Acknowledged publish, fsync before the ack, 64 in flight',
    note: '64 publishes in flight (64 awaiting loops; Redis: 64 connections, the others one).',
    ours: [
      { system: 'ours', label: embedded, durability: 'fsync', metric: 'storage.publish.always.c64' },
      { system: 'ours', label: overHub, durability: 'fsync', metric: 'ephemeral.publish.always.c64' },
    ],
    appendfsync: 'always',
    inFlight: 'c64',
    floor: { label: 'floor: naive group commit', durability: 'fsync', metric: 'floor.groupcommit.c64' },
  }),
  publishScenario({
    id: 'publish-periodic-c1',
    title: 'Acknowledged publish, fsync within a second, 1 in flight',
    note: 'Ours: sync policy periodic (fdatasync every 200 ms); Redis: appendfsync everysec.',
    ours: [
      { system: 'ours', label: embedded, durability: 'os', metric: 'storage.publish.periodic.c1' },
      { system: 'ours', label: overHub, durability: 'os', metric: 'ephemeral.publish.c1' },
    ],
    appendfsync: 'everysec',
    inFlight: 'c1',
    floor: { label: 'floor: naive periodic publisher', durability: 'os', metric: 'floor.periodic.c1' },
  }),
  publishScenario({
    id: 'publish-periodic-c64',
    title: 'Acknowledged publish over the network, fsync within a second, 64 in flight',
    note: 'Ours: an ephemeral client publishing to a hub process (periodic).',
    ours: [{ system: 'ours', label: overHub, durability: 'os', metric: 'ephemeral.publish.c64' }],
    appendfsync: 'everysec',
    inFlight: 'c64',
    floor: {
      label: 'floor: hub that stores nothing',
      durability: 'none',
      metric: 'floor.ephemeral.ack_only_hub.c64',
    },
  }),
  {
    id: 'catchup',
    title: 'Catch-up: a new reader drains a backlog',
    note: '200,000 messages (20,000 with --quick), each parsed as JSON; reads acknowledged in batches (Redis XACK, JetStream AckAll, our cursor).',
    kind: 'throughput',
    entries: [
      {
        system: 'ours',
        label: `${embedded}, from the start`,
        durability: 'none',
        metric: 'storage.deliver.catchup',
      },
      {
        system: 'redis',
        label: 'Redis XREADGROUP + XACK, 1,000 a batch',
        durability: 'none',
        metric: 'peer.redis.catchup',
      },
      {
        system: 'nats',
        label: 'NATS JetStream pull consumer',
        durability: 'none',
        metric: 'peer.nats.js.catchup',
      },
      {
        system: 'mosquitto',
        label: 'Mosquitto persistent session reconnecting',
        durability: 'none',
        metric: 'peer.mosquitto.catchup',
      },
    ],
  },
  {
    id: 'deliver-latency',
    title: 'Publish → subscriber latency',
    note:
      'One message at a time, awaiting its ack, timed from the send to the durable subscriber’s delivery ' +
      '(our cursor, a Redis consumer group, a JetStream durable consumer; Mosquitto: a live QoS 1 ' +
      'subscription); the subscriber in the publisher’s process unless said.',
    kind: 'latency',
    entries: [
      {
        system: 'ours',
        label: embedded,
        durability: 'none',
        metric: 'storage.deliver.latency.p50_us',
        p99: 'storage.deliver.latency.p99_us',
      },
      {
        system: 'ours',
        label: 'keyop, client → subscriber on the hub process',
        durability: 'none',
        metric: 'federation.e2e.latency.p50_us',
        p99: 'federation.e2e.latency.p99_us',
      },
      {
        system: 'redis',
        label: 'Redis XADD → XREADGROUP, a group',
        durability: 'none',
        metric: 'peer.redis.deliver.latency.p50_us',
        p99: 'peer.redis.deliver.latency.p99_us',
      },
      {
        system: 'nats',
        label: 'NATS JetStream → durable consumer',
        durability: 'none',
        metric: 'peer.nats.js.deliver.latency.p50_us',
        p99: 'peer.nats.js.deliver.latency.p99_us',
      },
      {
        system: 'mosquitto',
        label: 'Mosquitto QoS 1 publish → subscriber',
        durability: 'none',
        metric: 'peer.mosquitto.deliver.latency.p50_us',
        p99: 'peer.mosquitto.deliver.latency.p99_us',
      },
    ],
  },
  {
    id: 'request-reply',
    title: 'Request → reply round trip',
    note: 'Ours: streaming request/reply (request → first item) over stored channels; NATS: core request/reply, nothing stored.',
    kind: 'latency',
    entries: [
      {
        system: 'ours',
        label: `${embedded}, StreamRpc`,
        durability: 'none',
        metric: 'rpc.roundtrip.local.p50_us',
        p99: 'rpc.roundtrip.local.p99_us',
      },
      {
        system: 'ours',
        label: 'keyop, client → server on its hub, StreamRpc',
        durability: 'none',
        metric: 'rpc.roundtrip.hop1.p50_us',
        p99: 'rpc.roundtrip.hop1.p99_us',
      },
      {
        system: 'nats',
        label: 'core NATS request/reply',
        durability: 'none',
        metric: 'peer.nats.request.p50_us',
        p99: 'peer.nats.request.p99_us',
      },
      {
        system: 'floor',
        label: 'floor: publish → subscriber ping-pong',
        durability: 'none',
        metric: 'floor.rpc.ping_pong.p50_us',
      },
    ],
  },
  {
    id: 'streams-append-w1',
    title: 'Durable Streams HTTP append, fsync per append, 1 writer',
    note: 'Both servers in their own process, driven by the same keep-alive HTTP/1.1 client.',
    kind: 'throughput',
    ackLatency: true,
    entries: [
      {
        system: 'ours',
        label: 'keyop HTTP endpoint, always',
        durability: 'fsync',
        metric: 'streams.append.always.w1',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference server, file store',
        durability: 'fsync',
        metric: 'ref.append.file.w1',
      },
      {
        system: 'floor',
        label: 'floor: node:http + write + fdatasync',
        durability: 'fsync',
        metric: 'floor.append.fdatasync.w1',
      },
    ],
  },
  {
    id: 'streams-append-w16',
    title: 'Durable Streams HTTP append, 16 writers',
    note: 'Ours periodic is compared with the reference’s memory store: labelled, not like for like.',
    kind: 'throughput',
    ackLatency: true,
    entries: [
      {
        system: 'ours',
        label: 'keyop HTTP endpoint, always',
        durability: 'fsync',
        metric: 'streams.append.always.w16',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference server, file store',
        durability: 'fsync',
        metric: 'ref.append.file.w16',
      },
      {
        system: 'ours',
        label: 'keyop HTTP endpoint, periodic',
        durability: 'os',
        metric: 'streams.append.periodic.w16',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference server, memory store',
        durability: 'memory',
        metric: 'ref.append.memory.w16',
      },
    ],
  },
  {
    id: 'streams-catchup',
    title: 'Durable Streams catch-up read (MB/s of response body)',
    note: 'Repeated full reads of a 100,000-message stream.',
    kind: 'throughput',
    entries: [
      {
        system: 'ours',
        label: 'keyop HTTP endpoint (on disk)',
        durability: 'none',
        metric: 'streams.catchup.mb_per_s',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference server, memory store',
        durability: 'none',
        metric: 'ref.catchup.mb_per_s',
      },
    ],
  },
  {
    id: 'streams-tail',
    title: 'Durable Streams append → live reader latency (p50)',
    note: '200 appends a second to a reader waiting at the tail.',
    kind: 'latency',
    entries: [
      {
        system: 'ours',
        label: 'keyop, long-poll',
        durability: 'none',
        metric: 'streams.tail.longpoll.p50_ms',
        mode: 'long-poll',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference, long-poll',
        durability: 'none',
        metric: 'ref.tail.longpoll.p50_ms',
        mode: 'long-poll',
      },
      {
        system: 'ours',
        label: 'keyop, SSE',
        durability: 'none',
        metric: 'streams.tail.sse.p50_ms',
        mode: 'sse',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference, SSE',
        durability: 'none',
        metric: 'ref.tail.sse.p50_ms',
        mode: 'sse',
      },
      {
        system: 'ours',
        label: 'keyop, long-poll behind 20 MB',
        durability: 'none',
        metric: 'streams.tail.backlog20mb.p50_ms',
        mode: 'backlog',
      },
      {
        system: 'durable-streams-ref',
        label: 'reference (file), behind 20 MB',
        durability: 'none',
        metric: 'ref.tail.backlog20mb.p50_ms',
        mode: 'backlog',
      },
      {
        system: 'floor',
        label: 'floor: answer the waiting GET',
        durability: 'none',
        metric: 'floor.tail.longpoll.p50_ms',
      },
    ],
  },
];
