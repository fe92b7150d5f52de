/**
 * The web console on a Messenger's HTTP endpoint (`http.console`): its page, served from the
 * package's `ui/` folder, and its API over the daemon's admin host, authorized by `http.auth`.
 */
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AdminHost } from '../../internal/admin/index.js';
import {
  allowlistRows,
  consoleRoute,
  FsyncWindow,
  rpcRow,
  storeRows,
  streamRows,
  type ConsoleTarget,
} from '../../internal/console/index.js';
import {
  foreignChangeRefusal,
  refuseAccess,
  type AccessDecision,
  type HttpAuth,
} from '../../internal/http/auth/index.js';
import { CorsPolicy, type HttpServer } from '../../internal/http/index.js';
import type { StreamService } from '../../internal/streams/index.js';
import { federationLinks } from './http-metrics.js';
import type { MessengerInternals } from './internals.js';
import type { Messenger } from '../messenger.js';
import type { HttpEndpointOptions } from './http-endpoint.js';

/** Between two rounds of live updates (`/ui/api/events`). */
const EVENTS_INTERVAL_MS = 2000;
/** An event stream ends after this long; the page opens a new one. */
const EVENTS_MAX_DURATION_MS = 5 * 60_000;

/** The console's page is served by the endpoint itself: a page of any other origin may change nothing. */
const SAME_ORIGIN_ONLY = new CorsPolicy([]);

/**
 * The package's `ui/` folder: two levels up from this file when run from source (tests) or from the
 * bundle (`dist/bundle/`), three from tsc's file (`dist/src/wiring/http-console.js`).
 */
const ASSETS_DIR = ['../../ui/', '../../../ui/']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((dir) => fs.existsSync(path.join(dir, 'index.html')));

/** What {@link addConsoleRoutes} needs of the endpoint. */
export interface ConsoleEndpoint {
  readonly messenger: Messenger;
  readonly internals: MessengerInternals;
  readonly server: HttpServer;
  readonly auth: HttpAuth;
  readonly admin: AdminHost;
  /** The endpoint's Durable Streams. */
  readonly streams: Pick<StreamService, 'paths' | 'peek'>;
  /** The daemon's streamkit stores and request/reply. */
  readonly hosted: NonNullable<HttpEndpointOptions['hosted']>;
  /** Reports a refused request (logged and audited). */
  readonly refused: (
    req: http.IncomingMessage,
    decision: Extract<AccessDecision, { allowed: false }>,
    target: ConsoleTarget,
  ) => void;
}

/** Adds `/ui/` to `endpoint.server`; returns what stops the console (fsync listener, event streams). */
export function addConsoleRoutes(endpoint: ConsoleEndpoint): () => void {
  const { messenger, internals, auth } = endpoint;
  const started = internals.clock.now();
  const fsyncs = new FsyncWindow();
  const stopListening = internals.fsyncTimings.listen((_channel, seconds) => {
    fsyncs.record(seconds);
  });
  const dataDir = messenger.config.storage.dataDir;
  // One listener per open event stream.
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);
  endpoint.server.addRoute(
    consoleRoute({
      assetsDir: ASSETS_DIR ?? '',
      admin: endpoint.admin,
      allows: (req, target: ConsoleTarget) => auth.decide(req, target).allowed,
      permit: (req, res, target) => {
        const decision = foreignChangeRefusal(req, SAME_ORIGIN_ONLY) ?? auth.decide(req, target);
        if (decision.allowed) return true;
        refuseAccess(res, decision);
        endpoint.refused(req, decision, target);
        return false;
      },
      views: {
        overview: async () => {
          const disk = await fsp.statfs(dataDir);
          return {
            name: messenger.config.name,
            uptimeMs: internals.clock.now() - started,
            now: Date.now(),
            dataDir,
            disk: { freeBytes: disk.bavail * disk.bsize, totalBytes: disk.blocks * disk.bsize },
            fsync: fsyncs.summary(),
            stats: messenger.stats(),
            links: federationLinks(internals),
            hosts: { streams: endpoint.streams.paths().length, stores: endpoint.hosted.stores.length },
          };
        },
        federation: () =>
          Promise.resolve(
            allowlistRows({
              allowedPeers: internals.federation()?.hub?.allowedPeers,
              hubs: messenger.config.client.enabled ? messenger.config.client.hubs : [],
            }),
          ),
        streams: () => streamRows(endpoint.streams),
        streamkit: async () => ({
          stores: await storeRows(endpoint.hosted.stores, internals.clock.now()),
          rpc: endpoint.hosted.rpc === undefined ? undefined : rpcRow(endpoint.hosted.rpc),
        }),
      },
      events: {
        clock: internals.clock,
        intervalMs: EVENTS_INTERVAL_MS,
        maxDurationMs: EVENTS_MAX_DURATION_MS,
        closing: closing.signal,
      },
      logger: internals.logger.child({ component: 'console' }),
    }),
  );
  return () => {
    stopListening();
    closing.abort();
  };
}
