/**
 * What a Messenger needs of federation before (and without) starting it: the settings, whether the
 * configuration asks for it, its figures, and `startFederation`, which loads federation.ts (and with
 * it every federation module) on its first call, so that a Messenger without federation, and the
 * import of the library, do not pay for them.
 */
import type { AuditLog } from '../../internal/audit/index.js';
import type { Clock } from '../../internal/clock/index.js';
import type { SeenIds } from '../../internal/dedup/index.js';
import type { Hub, HubClient } from '../../internal/federation/index.js';
import type { Logger } from '../../internal/logger/index.js';
import type { AppendLines, Storage } from '../../internal/storage/index.js';
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
  /** Closes the hub and the clients (the audit log is closed by {@link Federation.closeAudit}). */
  close(): Promise<void>;
  /** Closes the audit log; last, to record shutdown events. */
  closeAudit(): Promise<void>;
}

/** What {@link startFederation} starts federation with. */
export interface FederationSetup {
  config: MessengerConfig;
  storage: Storage;
  clock: Clock;
  logger: Logger;
  append: AppendLines;
  tuning: FederationTuning;
}

/** Whether the configuration asks for federation. */
export function federationEnabled(config: MessengerConfig): boolean {
  return config.hub.enabled || config.client.enabled;
}

/**
 * Starts the hub and the clients the configuration asks for (federation.ts, loaded on the first
 * call); on failure everything started is stopped again.
 */
export async function startFederation(setup: FederationSetup): Promise<Federation> {
  const { startHubAndClients } = await import('./federation.js');
  return startHubAndClients(setup);
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
    })),
    audit: fed.audit.stats(),
  };
}
