/**
 * Starts what `hub` and `client` in the configuration ask for: the audit log, the dedup set, the hub
 * listener and one client per configured hub. Loaded by the first `startFederation` of
 * lazy-federation.ts, so that a Messenger without federation does not pay for it.
 */
import path from 'node:path';
import { AuditLog } from '../../internal/audit/index.js';
import type { Clock } from '../../internal/clock/index.js';
import { SeenIds } from '../../internal/dedup/index.js';
import {
  Hub,
  HubClient,
  recentTailBytes,
  rememberRecentIds,
  type FederationContext,
  ChannelFilter,
  type ChannelSet,
} from '../../internal/federation/index.js';
import { RepeatedLines, type Logger } from '../../internal/logger/index.js';
import type { AppendLines, Storage } from '../../internal/storage/index.js';
import { loadMutualTlsOptions, type MutualTlsOptions } from '../../internal/tlsutil/index.js';
import type { MessengerConfig } from '../config/index.js';
import type { FederationStats } from '../stats.js';

/** Federation timing knobs (library options; tests shrink them). */
export interface FederationTuning {
  /** Ping interval on every link; a peer missing a pong is dropped. Default 15 000 ms. */
  pingIntervalMs?: number;
  /** How long a peer may take to open and send its handshake. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** How often federation cursors persist their offset. Default 200 ms (and always on stop). */
  offsetFlushIntervalMs?: number;
  /** How often the hub's TTL sweep runs. Default max(ttl / 2, 1 min), at most 1 h. */
  ttlSweepIntervalMs?: number;
  /**
   * Random source for reconnect jitter; default Math.random.
   *
   * @internal For the project's own tests (deterministic jitter); not part of the supported API.
   */
  random?: () => number;
}

/** The running federation of a Messenger. */
export interface Federation {
  hub: Hub | undefined;
  clients: HubClient[];
  audit: AuditLog;
  seen: SeenIds;
  /**
   * New connections of the hub and new dials of the clients use `tls` from now on (a rotated
   * certificate, key or CA); open sessions keep theirs. Ignored without TLS.
   *
   * @throws Error when `tls` is unusable (the old material then stays in force).
   */
  setTls(tls: MutualTlsOptions): void;
  /** Closes the hub and the clients (the audit log is closed by {@link Federation.closeAudit}). */
  close(): Promise<void>;
  /** Closes the audit log; last, to record shutdown events. */
  closeAudit(): Promise<void>;
}

interface SetupArgs {
  config: MessengerConfig;
  storage: Storage;
  clock: Clock;
  logger: Logger;
  append: AppendLines;
  tuning: FederationTuning;
}

/** Lines of one kind a peer can make repeat (a bad record) written per interval, before a summary. */
const REPEATED_LINES_BURST = 10;
/** The interval of {@link REPEATED_LINES_BURST}. */
const REPEATED_LINES_INTERVAL_MS = 60_000;

/**
 * The channels federation may store into (`undefined`: any): what allowlisted peers may publish to
 * the hub (any, when there is no allowlist or an entry's list is empty) and what the client
 * subscribes to from its hubs.
 */
function inboundChannels(config: MessengerConfig): ChannelSet {
  const channels = new Set<string>();
  if (config.hub.enabled) {
    const peers = config.hub.allowedPeers;
    if (peers.length === 0 || peers.some((p) => p.publish.length === 0)) return undefined;
    for (const peer of peers) for (const channel of peer.publish) channels.add(channel);
  }
  if (config.client.enabled) {
    for (const hub of config.client.hubs) for (const channel of hub.subscribe) channels.add(channel);
  }
  return new ChannelFilter(channels);
}

/**
 * Marks as seen the ids of the messages peers stored here last, before any peer can resend them: a
 * frame stored but not acknowledged when the process died comes again (see recent-ids.ts).
 */
async function rememberStoredIds(
  config: MessengerConfig,
  storage: Storage,
  seen: SeenIds,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const started = clock.now();
  const { channels, ids, bytes } = await rememberRecentIds({
    channelsDir: storage.channelsDir,
    channels: inboundChannels(config),
    tailBytes: recentTailBytes(config.federation.maxBatchBytes),
    seen,
    logger,
  });
  // Debug: the daemon's first info line is its "started" line.
  logger.debug(
    { channels, ids, bytes, ms: clock.now() - started },
    'dedup set rebuilt from the ids peers stored last in each channel',
  );
}

async function loadTls(config: MessengerConfig): Promise<MutualTlsOptions | undefined> {
  if (config.tls.cert === '') return undefined;
  return loadMutualTlsOptions({
    certFile: config.tls.cert,
    keyFile: config.tls.key,
    caFile: config.tls.ca,
    minVersion: config.tls.minVersion === '1.2' ? 'TLSv1.2' : 'TLSv1.3',
  });
}

/** Starts the hub and the clients; on failure everything started is stopped again. */
export async function startFederation({
  config,
  storage,
  clock,
  logger,
  append,
  tuning,
}: SetupArgs): Promise<Federation> {
  const tls = await loadTls(config);
  const log = logger.child({ component: 'federation' });
  const audit = new AuditLog({
    dir: path.join(config.storage.dataDir, 'audit'),
    maxSizeBytes: config.audit.maxSizeMb * 2 ** 20,
    maxFiles: config.audit.maxFiles,
    logger: log,
    clock,
  });
  const seen = new SeenIds(config.dedup.seenIdLruSize);
  await rememberStoredIds(config, storage, seen, clock, log);
  const ctx: FederationContext = {
    name: config.name,
    storage,
    seen,
    audit,
    clock,
    logger: log,
    repeatedLines: new RepeatedLines({
      burst: REPEATED_LINES_BURST,
      intervalMs: REPEATED_LINES_INTERVAL_MS,
      clock,
    }),
    append,
    maxBatchBytes: config.federation.maxBatchBytes,
    pingIntervalMs: tuning.pingIntervalMs ?? 15_000,
    handshakeTimeoutMs: tuning.handshakeTimeoutMs ?? 10_000,
    offsetFlushIntervalMs: tuning.offsetFlushIntervalMs ?? 200,
  };
  let hub: Hub | undefined;
  const clients: HubClient[] = [];
  try {
    if (config.hub.enabled) {
      hub = await Hub.listen({
        ctx,
        listenAddr: config.hub.listenAddr,
        tls,
        allowedPeers: config.hub.allowedPeers,
        fedClientOffsetTtlMs: config.hub.fedClientOffsetTtlMs,
        maxSubscriptionsPerPeer: config.hub.maxSubscriptionsPerPeer,
        ...(tuning.ttlSweepIntervalMs === undefined ? {} : { ttlSweepIntervalMs: tuning.ttlSweepIntervalMs }),
      });
    }
    if (config.client.enabled) {
      for (const ref of config.client.hubs) {
        clients.push(
          await HubClient.start({
            ctx,
            hub: ref,
            tls,
            reconnect: {
              baseMs: config.federation.reconnectBaseMs,
              maxMs: config.federation.reconnectMaxMs,
              jitter: config.federation.reconnectJitter,
              ...(tuning.random === undefined ? {} : { random: tuning.random }),
            },
          }),
        );
      }
    }
  } catch (err) {
    await Promise.allSettled([hub?.close(), ...clients.map((c) => c.close())]);
    await audit.close();
    throw err;
  }
  return {
    hub,
    clients,
    audit,
    seen,
    setTls: (next) => {
      hub?.setTls(next);
      for (const client of clients) client.setTls(next);
    },
    close: async () => {
      await Promise.all([hub?.close(), ...clients.map((c) => c.close())]);
      ctx.repeatedLines.flush();
    },
    closeAudit: () => audit.close(),
  };
}

/** The figures of a running federation, as `Messenger.stats()` and `/readyz` report them. */
export function federationStats(fed: Federation): FederationStats {
  return {
    hub: fed.hub === undefined ? undefined : { address: fed.hub.address, peers: fed.hub.connectedPeers() },
    clients: fed.clients.map((c) => ({
      addr: c.addr,
      state: c.state,
      hub: c.hubName,
      connects: c.connects,
      ...(c.refusal === undefined ? {} : { refusal: c.refusal }),
      ...(c.lastError === undefined
        ? {}
        : { lastError: { message: c.lastError.message, at: new Date(c.lastError.at).toISOString() } }),
    })),
    audit: fed.audit.stats(),
  };
}
