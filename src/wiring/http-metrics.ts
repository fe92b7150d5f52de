/**
 * `GET /metrics` on a Messenger's HTTP endpoint (when `metrics.enabled`): the instance read from
 * `Messenger.stats()` and its federation links at each scrape. Loaded with the endpoint; prom-client
 * is loaded here, never by `Messenger.open`.
 */
import type { AccessDecision, HttpAuth } from '../../internal/http/auth/index.js';
import { refuseAccess } from '../../internal/http/auth/index.js';
import type { HttpServer } from '../../internal/http/index.js';
import { loadInstanceMetrics, metricsRoutes, type LinkSnapshot } from '../../internal/metrics/index.js';
import type { MessengerInternals } from './internals.js';
import type { Messenger } from '../messenger.js';
import type http from 'node:http';

/** What {@link addMetricsRoutes} needs of the endpoint. */
export interface MetricsEndpoint {
  readonly messenger: Messenger;
  readonly internals: MessengerInternals;
  readonly server: HttpServer;
  readonly auth: HttpAuth;
  /** Path prefix of the Durable Streams routes (counted as route `stream`). */
  readonly streamsPrefix: string;
  /** Reports a refused scrape (logged and audited). */
  readonly refused: (
    req: http.IncomingMessage,
    decision: Extract<AccessDecision, { allowed: false }>,
  ) => void;
}

/**
 * Adds the request observer and `/metrics` to `endpoint.server` (before any other route), unless
 * `metrics.enabled` is false. Resolves with what stops the metrics.
 */
export async function addMetricsRoutes(endpoint: MetricsEndpoint): Promise<() => void> {
  const { messenger, internals, server } = endpoint;
  const settings = messenger.config.metrics;
  if (!settings.enabled) return () => undefined;
  const metrics = await loadInstanceMetrics({
    source: {
      stats: () => messenger.stats(),
      links: () => federationLinks(internals),
      fsync: internals.fsyncTimings,
    },
    maxChannels: settings.maxChannels,
    logger: internals.logger.child({ component: 'metrics' }),
  });
  const streams = `${endpoint.streamsPrefix}/`;
  for (const route of metricsRoutes({
    metrics,
    permit: (req, res) => {
      const decision = endpoint.auth.decide(req, 'metrics');
      if (decision.allowed) return true;
      refuseAccess(res, decision);
      endpoint.refused(req, decision);
      return false;
    },
    routeOf: (pathname) => (pathname.startsWith(streams) ? 'stream' : undefined),
  })) {
    server.addRoute(route);
  }
  return () => {
    metrics.close();
  };
}

/** The open federation connections: links to hubs, and peers connected to this hub. */
export function federationLinks(internals: MessengerInternals): LinkSnapshot[] {
  const federation = internals.federation();
  if (federation === undefined) return [];
  const links: LinkSnapshot[] = [];
  for (const client of federation.clients) {
    const traffic = client.session?.link.traffic;
    if (traffic !== undefined) links.push({ link: `hub:${client.addr}`, ...traffic });
  }
  const hub = federation.hub;
  for (const peer of hub?.connectedPeers() ?? []) {
    const traffic = hub?.session(peer)?.link.traffic;
    if (traffic !== undefined) links.push({ link: `peer:${peer}`, ...traffic });
  }
  return links;
}
