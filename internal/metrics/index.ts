/**
 * Metrics of a running instance in the Prometheus text format: fsync timing at the segment-file seam
 * (always on, cheap), and the registry and `/metrics` route, whose prom-client is loaded only by
 * {@link loadInstanceMetrics}.
 */
export { FsyncTimings, type FsyncListener } from './fsync-timings.js';
export { METRICS_PATH, metricsRoutes, type MetricsRouteOptions } from './http-route.js';
export type { InstanceMetrics, InstanceMetricsOptions } from './prometheus.js';
export type {
  ChannelSnapshot,
  HubLinkSnapshot,
  InstanceSnapshot,
  LinkSnapshot,
  MetricsSource,
  SubscriberSnapshot,
} from './snapshot.js';

import type { InstanceMetrics, InstanceMetricsOptions } from './prometheus.js';

/** Loads prom-client and builds the registry of an instance (see `createInstanceMetrics`). */
export async function loadInstanceMetrics(options: InstanceMetricsOptions): Promise<InstanceMetrics> {
  const { createInstanceMetrics } = await import('./prometheus.js');
  return createInstanceMetrics(options);
}
