/**
 * The Prometheus registry of a running instance (loaded on first use: prom-client is needed only
 * when `/metrics` is served). Instance values are read from a {@link MetricsSource} at each scrape;
 * fsync latencies and HTTP requests are observed as they happen.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../logger/index.js';
import { ChannelLabels, OTHER_CHANNELS } from './channel-labels.js';
import type { InstanceSnapshot, LinkSnapshot, MetricsSource } from './snapshot.js';

/** Settings of {@link createInstanceMetrics}. */
export interface InstanceMetricsOptions {
  readonly source: MetricsSource;
  /** `metrics.max_channels`: channels with their own label value. */
  readonly maxChannels: number;
  readonly logger: Logger;
}

/** The states a link to a hub reports (`HubLinkStats.state`), one series each. */
const LINK_STATES = ['connecting', 'connected', 'disconnected', 'refused', 'closed'] as const;

/** Fsync latency buckets: 50 µs to 2.5 s. */
const FSYNC_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5,
];

/** A running registry: render it for a scrape, observe HTTP requests into it, stop it. */
export interface InstanceMetrics {
  /** The `Content-Type` of {@link InstanceMetrics.render}. */
  readonly contentType: string;
  /** The exposition text, with the instance's values read now. */
  render(): Promise<string>;
  /** Counts one finished HTTP request to `route` (a bounded route name) and its duration. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** Stops listening for fsync latencies. */
  close(): void;
}

type Labels<T extends string> = Partial<Record<T, string>>;

/** Sets a counter to `value` (counters from a snapshot are absolute; the series is rebuilt each scrape). */
function setCounter<T extends string>(counter: Counter<T>, labels: Labels<T>, value: number): void {
  counter.inc(labels, value);
}

/** Metrics and the snapshot field each one shows. */
type FieldMetrics<T extends string> = readonly (readonly [Gauge<T> | Counter<T>, string])[];

/** Shows the summed fields `sums` under `labels`: gauges set, counters set through {@link setCounter}. */
function writeSums<T extends string>(
  fields: FieldMetrics<T>,
  labels: Labels<T>,
  sums: ReadonlyMap<string, number>,
): void {
  for (const [metric, field] of fields) {
    const value = sums.get(field) ?? 0;
    if (metric instanceof Counter) setCounter(metric, labels, value);
    else metric.set(labels, value);
  }
}

/** Adds `value` to the sum kept under `key`. */
function addTo(sums: Map<string, number>, key: string, value: number): void {
  sums.set(key, (sums.get(key) ?? 0) + value);
}

/** Builds the registry: instance metrics, HTTP request metrics, and the process metrics of prom-client. */
export function createInstanceMetrics(options: InstanceMetricsOptions): InstanceMetrics {
  const registry = new Registry();
  const registers = [registry];
  const labels = new ChannelLabels(options.maxChannels, options.logger);
  collectDefaultMetrics({ register: registry });

  const g = <T extends string>(name: string, help: string, labelNames: readonly T[]): Gauge<T> =>
    new Gauge({ name, help, labelNames, registers });
  const c = <T extends string>(name: string, help: string, labelNames: readonly T[]): Counter<T> =>
    new Counter({ name, help, labelNames, registers });

  const channels = g('keyop_channels', 'Channels known to the instance (all of them, not capped).', []);
  const channelBytes = g('keyop_channel_bytes', 'Bytes retained on disk.', ['channel']);
  const channelSegments = g('keyop_channel_segments', 'Segment files on disk.', ['channel']);
  const channelEnd = g('keyop_channel_end_offset', 'Offset just past the newest byte.', ['channel']);
  const appended = c('keyop_channel_appended_records_total', 'Records appended since the instance started.', [
    'channel',
  ]);
  const corrupt = c('keyop_channel_corrupt_records_total', 'Corrupt records readers skipped.', ['channel']);
  const skipped = c('keyop_channel_skipped_bytes_total', 'Bytes readers passed over as damaged.', [
    'channel',
  ]);
  const evicted = c('keyop_channel_evicted_bytes_total', 'Bytes deleted by retention.', ['channel']);
  const fsync = new Histogram({
    name: 'keyop_channel_fsync_seconds',
    help: 'Latency of segment fsyncs.',
    labelNames: ['channel'],
    buckets: FSYNC_BUCKETS,
    registers,
  });
  const sub = ['channel', 'subscriber'] as const;
  const subOffset = g('keyop_subscriber_offset', 'Next offset the subscriber reads.', sub);
  const subLag = g(
    'keyop_subscriber_lag_bytes',
    'Bytes between the subscriber and the end of its channel.',
    sub,
  );
  const subStalled = g('keyop_subscriber_stalled', '1 while a dead-letter write keeps failing.', sub);
  const delivered = c('keyop_subscriber_delivered_total', 'Messages handled successfully.', sub);
  const retries = c('keyop_subscriber_retries_total', 'Failed handler attempts (each retry counts).', sub);
  const deadLettered = c(
    'keyop_subscriber_dead_lettered_total',
    'Messages sent to the dead-letter channel.',
    sub,
  );
  const linkState = g('keyop_federation_link_state', '1 for the current state of a link to a hub.', [
    'link',
    'state',
  ]);
  const linkConnects = c(
    'keyop_federation_link_connects_total',
    'Successful connections of a link to a hub.',
    ['link'],
  );
  const linkRefusal = g(
    'keyop_federation_link_refusal_info',
    '1 while a hub refuses this instance, with the reason.',
    ['link', 'reason'],
  );
  const linkLastError = g(
    'keyop_federation_link_last_error_timestamp_seconds',
    'When a link to a hub last failed (dial, lost connection, refusal), with the error; kept after it recovers.',
    ['link', 'error'],
  );
  const framesInFlight = g(
    'keyop_federation_link_frames_in_flight',
    'Frames sent and not yet acknowledged.',
    ['link'],
  );
  const recordsInFlight = g('keyop_federation_link_records_in_flight', 'Records in those frames.', ['link']);
  const acks = c('keyop_federation_link_acks_total', 'Acks received on the current connection.', ['link']);
  const hubPeers = g('keyop_federation_hub_peers', 'Peers connected to this hub.', []);
  const audit = c('keyop_audit_events_total', 'Audit events by outcome.', ['outcome']);
  const requests = c('keyop_http_requests_total', 'HTTP requests by route, method and status.', [
    'route',
    'method',
    'status',
  ]);
  const requestSeconds = new Histogram({
    name: 'keyop_http_request_duration_seconds',
    help: 'Duration of HTTP requests (long polls and SSE streams included) by route.',
    labelNames: ['route'],
    registers,
  });

  const channelFields: FieldMetrics<'channel'> = [
    [channelBytes, 'bytes'],
    [channelSegments, 'segments'],
    [channelEnd, 'endOffset'],
    [appended, 'messages'],
    [corrupt, 'corruptRecords'],
    [skipped, 'skippedBytes'],
    [evicted, 'evictedBytes'],
  ];
  const subscriberFields: FieldMetrics<'channel' | 'subscriber'> = [
    [subOffset, 'offset'],
    [subLag, 'lagBytes'],
    [subStalled, 'stalled'],
    [delivered, 'delivered'],
    [retries, 'failedAttempts'],
    [deadLettered, 'deadLettered'],
  ];

  const snapshotMetrics = [
    channels,
    channelBytes,
    channelSegments,
    channelEnd,
    appended,
    corrupt,
    skipped,
    evicted,
    subOffset,
    subLag,
    subStalled,
    delivered,
    retries,
    deadLettered,
    linkState,
    linkConnects,
    linkRefusal,
    framesInFlight,
    recordsInFlight,
    acks,
    hubPeers,
    audit,
  ];

  const stopFsync = options.source.fsync.listen((channel, seconds) => {
    labels.admit([channel]);
    fsync.observe({ channel: labels.label(channel) }, seconds);
  });

  const fill = (stats: InstanceSnapshot, links: readonly LinkSnapshot[]): void => {
    for (const metric of snapshotMetrics) metric.reset();
    const names = Object.keys(stats.channels);
    labels.admit(names);
    channels.set(names.length);
    const perChannel = new Map<string, Map<string, number>>();
    const perSubscriber = new Map<string, Map<string, number>>();
    for (const [name, ch] of Object.entries(stats.channels)) {
      const channel = labels.label(name);
      const sums = perChannel.get(channel) ?? new Map<string, number>();
      perChannel.set(channel, sums);
      for (const [key, value] of Object.entries(ch)) if (typeof value === 'number') addTo(sums, key, value);
      for (const [id, s] of Object.entries(ch.subscribers)) {
        const key = JSON.stringify([channel, channel === OTHER_CHANNELS ? OTHER_CHANNELS : id]);
        const subSums = perSubscriber.get(key) ?? new Map<string, number>();
        perSubscriber.set(key, subSums);
        for (const [field, value] of Object.entries(s)) addTo(subSums, field, Number(value));
      }
    }
    for (const [channel, sums] of perChannel) writeSums(channelFields, { channel }, sums);
    for (const [key, sums] of perSubscriber) {
      const [channel, subscriber] = JSON.parse(key) as [string, string];
      writeSums(subscriberFields, { channel, subscriber }, sums);
    }
    const federation = stats.federation;
    if (federation !== undefined) {
      for (const client of federation.clients) {
        const link = `hub:${client.addr}`;
        for (const state of LINK_STATES) linkState.set({ link, state }, client.state === state ? 1 : 0);
        setCounter(linkConnects, { link }, client.connects);
        if (client.refusal !== undefined) linkRefusal.set({ link, reason: client.refusal.slice(0, 200) }, 1);
        if (client.lastError !== undefined) {
          const error = client.lastError.message.slice(0, 200);
          linkLastError.set({ link, error }, Date.parse(client.lastError.at) / 1000);
        }
      }
      hubPeers.set(federation.hub?.peers.length ?? 0);
      setCounter(audit, { outcome: 'written' }, federation.audit.written);
      setCounter(audit, { outcome: 'dropped' }, federation.audit.dropped);
      setCounter(audit, { outcome: 'write_failed' }, federation.audit.writeFailures);
    }
    for (const link of links) {
      const at = { link: link.link };
      framesInFlight.set(at, link.framesInFlight);
      recordsInFlight.set(at, link.recordsInFlight);
      setCounter(acks, at, link.acks);
    }
  };

  // One scrape at a time: a second one must not reset the series while the first reads them.
  let scrapes: Promise<unknown> = Promise.resolve();
  return {
    contentType: registry.contentType,
    render: () => {
      const next = scrapes.then(async () => {
        fill(options.source.stats(), options.source.links());
        return registry.metrics();
      });
      scrapes = next.catch(() => undefined);
      return next;
    },
    observeRequest: (route, method, status, seconds) => {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    close: () => {
      stopFsync();
    },
  };
}
