/** The daemon's running parts: the Messenger (storage and federation) and its HTTP endpoint, started and stopped in order. */
import type { Logger } from '../../../internal/logger/index.js';
import type { MutualTlsOptions } from '../../../internal/tlsutil/index.js';
import { Messenger, startHttpEndpoint, type HttpEndpoint, type MessengerConfig } from '../../../src/index.js';
import { startAdminSocket } from '../admin/daemon-socket.js';
import { openHostedStores, type HostedStores } from './streamkit-stores.js';
import { internalsOf } from '../../../src/wiring/index.js';
import { messengerHost } from '../admin/hosts.js';

/** A started daemon. */
export interface RunningDaemon {
  /** Base URL of the HTTP endpoint. */
  readonly httpUrl: string;
  /** The daemon's Messenger. */
  readonly messenger: Messenger;
  /** Bound `host:port` of the federation hub, when enabled. */
  readonly hubAddr: string | undefined;
  /**
   * New connections of the HTTPS listener and the hub, and new dials to hubs, use `tls` from now on
   * (rotated certificate, key or CA); open connections keep theirs. A daemon started without TLS
   * ignores it.
   *
   * @throws Error when `tls` is unusable; what was already switched keeps the new material.
   */
  reloadTls(tls: MutualTlsOptions): void;
  /**
   * Graceful shutdown: `/readyz` turns 503, the HTTP listener stops accepting and lets open requests
   * finish, then the Messenger stops subscribers (offsets flushed), fsyncs and releases the data dir.
   */
  stop(): Promise<void>;
}

/**
 * Opens the Messenger on `config.storage.data_dir` (taking its lock) and starts the HTTP endpoint on
 * `http.listen_addr`, HTTPS with the instance certificate when `tls` is given (clients may then
 * authenticate with a certificate of the instance CA; `tls.min_version` applies), after opening the
 * streamkit stores of `streamkit.stores` (so `/readyz` is not 200 before they serve). `/readyz` answers 200
 * once both are up. The admin API listens on `<data_dir>/admin.sock` (mode 0600). When the endpoint
 * or the socket cannot start, what started is closed again before the error propagates, so the data
 * dir lock is released.
 */
export async function startDaemon(
  config: MessengerConfig,
  logger: Logger,
  tls: MutualTlsOptions | undefined,
): Promise<RunningDaemon> {
  const messenger = await Messenger.open(config, { logger });
  let stores: HostedStores;
  try {
    stores = await openHostedStores(messenger, config);
  } catch (err) {
    await messenger.close();
    throw err;
  }
  const adminLogger = logger.child({ component: 'admin' });
  const admin = messengerHost(messenger, 'daemon', adminLogger);
  let http: HttpEndpoint;
  try {
    http = await startHttpEndpoint(messenger, {
      listenAddr: config.http.listenAddr,
      admin: admin.host,
      hosted: { stores: stores.stores, rpc: stores.rpc },
      ...(tls === undefined ? {} : { tls: httpTlsOf(tls) }),
    });
  } catch (err) {
    await stores.close();
    await admin.close();
    await messenger.close();
    throw err;
  }
  let closeAdmin: () => Promise<void>;
  try {
    closeAdmin = await startAdminSocket(messenger, admin, adminLogger);
  } catch (err) {
    await http.close();
    await stores.close();
    await admin.close();
    await messenger.close();
    throw err;
  }
  http.setReady(true);
  return {
    httpUrl: http.url,
    messenger,
    hubAddr: messenger.hubAddress,
    reloadTls: (next) => {
      if (tls === undefined) return;
      http.reloadTls(httpTlsOf(next));
      internalsOf(messenger).federation()?.setTls(next);
    },
    stop: async () => {
      http.setReady(false);
      try {
        await Promise.all([http.close(), closeAdmin()]);
        await admin.close();
      } finally {
        try {
          await stores.close();
        } finally {
          await messenger.close();
        }
      }
    },
  };
}

/** The HTTPS listener's PEM texts of `tls`. */
function httpTlsOf(tls: MutualTlsOptions): {
  cert: string;
  key: string;
  ca: string;
  minVersion: MutualTlsOptions['minVersion'];
} {
  return {
    cert: tls.cert.toString(),
    key: tls.key.toString(),
    ca: tls.ca.toString(),
    minVersion: tls.minVersion,
  };
}
