/**
 * Serving a Messenger over HTTP (the body of `startHttpEndpoint` in http-endpoint.ts, loaded on its first call).
 */
import path from 'node:path';
import { AuditEvent } from '../../internal/audit/index.js';
import { ConfigError } from '../../internal/errors/index.js';
import { CorsPolicy, DEFAULT_IDLE_MS, HostCheck, HttpServer } from '../../internal/http/index.js';
import { parseListenAddr } from '../../internal/net/index.js';
import { HttpAuth, type AccessTarget } from '../../internal/http/auth/index.js';
import { controlRoutes, streamsRoute, type StreamsAccess } from '../../internal/http/streams/index.js';
import { StreamService } from '../../internal/streams/index.js';
import { SubscriptionManager } from '../../internal/streams/subscriptions/index.js';
import { anonymousExposureProblem, isLoopbackListenAddr } from '../config/index.js';
import { federationStats } from './lazy-federation.js';
import { addMetricsRoutes } from './http-metrics.js';
import { internalsOf, type MessengerInternals } from './internals.js';
import type { HttpEndpoint, HttpEndpointOptions } from './http-endpoint.js';
import type { Messenger } from '../messenger.js';

const DEFAULT_STREAMS_PREFIX = '/v1/stream';
/** Largest append body (a 10 MiB body still fits one record once base64-encoded). */
const MAX_APPEND_BYTES = 10 * 1024 * 1024;
/** Channel bytes per catch-up response or SSE event. */
const READ_PAGE_BYTES = 4 * 1024 * 1024;
/** SSE connections are closed after this long; clients reconnect from the last offset. */
const SSE_MAX_DURATION_MS = 60_000;

/**
 * Whether the links to hubs let the instance be ready (`http.readiness_hubs`). By default only a hub
 * that refuses this instance for good (allowlist, certificates, limits) makes it unready: an operator
 * must act. A hub that is merely unreachable does not count (what is published meanwhile is kept and
 * sent once it is back), unless `connected` asks for every hub to be connected.
 */
function hubsAllowReadiness(
  internals: MessengerInternals,
  gate: Messenger['config']['http']['readinessHubs'],
): boolean {
  const clients = internals.federation()?.clients ?? [];
  if (gate === 'ignore') return true;
  if (gate === 'connected') return clients.every((client) => client.state === 'connected');
  return !clients.some((client) => client.state === 'refused');
}

/** Starts the HTTP endpoint; see `startHttpEndpoint`. */
export async function serveHttpEndpoint(
  messenger: Messenger,
  options: HttpEndpointOptions,
): Promise<HttpEndpoint> {
  const internals = internalsOf(messenger);
  const logger = internals.logger.child({ component: 'http' });
  const settings = messenger.config.http;
  const exposure = anonymousExposureProblem(options.listenAddr, settings);
  if (exposure !== undefined) throw new ConfigError([`http.listen_addr${exposure}`]);
  const auth = await HttpAuth.load(settings.auth);
  warnAboutExposure(options, messenger.config, logger);
  let ready = false;
  const service = await StreamService.open({ host: internals });
  const prefix = (options.streamsPrefix ?? DEFAULT_STREAMS_PREFIX).replace(/\/+$/, '');
  const longPollTimeoutMs = options.longPollTimeoutMs ?? settings.longPollTimeoutMs;
  const subscriptions = await SubscriptionManager.open({
    service,
    dir: path.join(internals.storage.options.dataDir, 'streams'),
    clock: internals.clock,
    logger: logger.child({ component: 'subscriptions' }),
  });
  const server = new HttpServer({
    listenAddr: options.listenAddr,
    logger,
    hostCheck: new HostCheck(parseListenAddr(options.listenAddr).host, settings.allowedHosts),
    isReady: () =>
      ready &&
      internals.storage.failingChannels().length === 0 &&
      hubsAllowReadiness(internals, settings.readinessHubs),
    readinessDetail: () => {
      const federation = internals.federation();
      const failing = internals.storage.failingChannels();
      return {
        ...(failing.length === 0 ? {} : { failingChannels: failing }),
        ...(federation === undefined ? {} : { hubs: federationStats(federation).clients }),
      };
    },
    ...(options.tls === undefined ? {} : { tls: listenerTls(options.tls, messenger.config, auth) }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    // A long-poll (and an SSE stream between two control events) is quiet for up to its timeout.
    idleMs: Math.max(DEFAULT_IDLE_MS, 2 * longPollTimeoutMs),
  });
  const refused = refusalReporter(internals, logger);
  const stopMetrics = await addMetricsRoutes({
    messenger,
    internals,
    server,
    auth,
    streamsPrefix: prefix,
    refused: (req, decision) => {
      refused(req, decision, 'metrics');
    },
  });
  const stopConsole = await consoleRoutes(messenger, options, {
    internals,
    server,
    auth,
    refused,
    logger,
    streams: service,
  });
  server.addRoute(
    streamsRoute(
      {
        service,
        prefix,
        longPollTimeoutMs,
        readPageBytes: READ_PAGE_BYTES,
        maxAppendBytes: MAX_APPEND_BYTES,
        sseMaxDurationMs: SSE_MAX_DURATION_MS,
        clock: internals.clock,
        logger,
        access: {
          auth,
          cors: new CorsPolicy(settings.corsOrigins),
          refused,
        },
      },
      controlRoutes(subscriptions, prefix),
    ),
  );
  let url: string;
  try {
    url = await server.start();
  } catch (err) {
    stopMetrics();
    stopConsole();
    await subscriptions.close();
    await service.close();
    throw err;
  }
  return {
    url,
    setReady: (value) => {
      ready = value;
    },
    reloadTls: (tls) => {
      server.setTls(listenerTls(tls, messenger.config, auth));
    },
    close: async () => {
      stopMetrics();
      stopConsole();
      await Promise.all([server.close(), subscriptions.close(), service.close()]);
    },
  };
}

/**
 * Adds the web console when `http.console` is on and the daemon gave its admin API; returns what
 * stops it. Its modules (and the admin API's) load only then.
 */
async function consoleRoutes(
  messenger: Messenger,
  options: HttpEndpointOptions,
  parts: {
    internals: MessengerInternals;
    server: HttpServer;
    auth: HttpAuth;
    refused: StreamsAccess['refused'];
    logger: MessengerInternals['logger'];
    streams: StreamService;
  },
): Promise<() => void> {
  if (!messenger.config.http.console) return () => undefined;
  if (options.admin === undefined) {
    parts.logger.warn(
      { key: 'http.console' },
      'the web console needs the daemon admin API; /ui/ is not served by this endpoint',
    );
    return () => undefined;
  }
  const { addConsoleRoutes } = await import('./http-console.js');
  return addConsoleRoutes({
    messenger,
    internals: parts.internals,
    server: parts.server,
    auth: parts.auth,
    admin: options.admin,
    refused: parts.refused,
    streams: parts.streams,
    hosted: options.hosted ?? { stores: [], rpc: undefined },
  });
}

/**
 * The HTTPS settings: `tls.min_version` unless given, and client certificates asked for only when
 * they can identify someone (`http.auth` configured).
 */
function listenerTls(
  tls: NonNullable<HttpEndpointOptions['tls']>,
  config: Messenger['config'],
  auth: HttpAuth,
): NonNullable<HttpEndpointOptions['tls']> {
  const { ca, ...own } = tls;
  const withVersion = { minVersion: `TLSv${config.tls.minVersion}` as const, ...own };
  return ca !== undefined && auth.required ? { ...withVersion, ca } : withVersion;
}

/** Logs each refused request and audits it (when the federation's audit log runs). */
function refusalReporter(
  internals: MessengerInternals,
  logger: MessengerInternals['logger'],
): StreamsAccess['refused'] {
  return (req, decision, target) => {
    const resource = describeTarget(target);
    const detail = `status=${decision.status} method=${req.method ?? ''} ${resource} reason=${decision.reason}`;
    logger.warn(
      {
        status: decision.status,
        method: req.method,
        resource,
        client: decision.client,
        remote: req.socket.remoteAddress,
      },
      'HTTP request refused',
    );
    internals.federation()?.audit.log({
      event: AuditEvent.HTTP_REFUSED,
      ...(typeof target === 'object' ? { channel: target.channel } : {}),
      ...(decision.client === undefined ? {} : { peer: decision.client }),
      ...(req.socket.remoteAddress === undefined ? {} : { peer_addr: req.socket.remoteAddress }),
      detail,
    });
  };
}

function describeTarget(target: AccessTarget): string {
  if (target === 'instance') return 'control API';
  return target === 'metrics' ? 'metrics' : `${target.right} ${target.channel}`;
}

/** Warns at start about the loud opt-out, and about bearer tokens sent in clear text off loopback. */
function warnAboutExposure(
  options: HttpEndpointOptions,
  config: Messenger['config'],
  logger: MessengerInternals['logger'],
): void {
  if (isLoopbackListenAddr(options.listenAddr)) return;
  if (config.http.insecureAllowAnonymous) {
    logger.warn(
      { listenAddr: options.listenAddr, key: 'http.insecure_allow_anonymous' },
      'INSECURE: the HTTP endpoint serves anonymous clients with full rights on a non-loopback address',
    );
  } else if (config.http.auth.tokensFile !== '' && options.tls === undefined) {
    logger.warn(
      { listenAddr: options.listenAddr },
      'bearer tokens are accepted over plain HTTP on a non-loopback address; configure tls to protect them',
    );
  }
}
