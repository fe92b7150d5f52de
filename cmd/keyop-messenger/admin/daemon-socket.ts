/** The running daemon's admin socket, `<data_dir>/admin.sock`. */
import path from 'node:path';
import { ADMIN_SOCKET_FILE, serveAdminSocket } from '../../../internal/admin/index.js';
import type { Logger } from '../../../internal/logger/index.js';
import type { Messenger } from '../../../src/index.js';
import type { OpenHost } from './hosts.js';

/**
 * Serves the admin API `opened` (the daemon's `messenger`) on its data dir's socket (mode 0600).
 * Resolves with what closes the socket (`opened` stays open: the web console shares it).
 *
 * @throws MessengerError `ERR_ADMIN_UNAVAILABLE` when the socket cannot be created.
 */
export async function startAdminSocket(
  messenger: Messenger,
  opened: OpenHost,
  logger: Logger,
): Promise<() => Promise<void>> {
  const socketPath = path.join(messenger.config.storage.dataDir, ADMIN_SOCKET_FILE);
  const socket = await serveAdminSocket(socketPath, opened.host, logger);
  return () => socket.close();
}
