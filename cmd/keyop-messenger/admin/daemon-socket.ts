/** The running daemon's admin socket, `<data_dir>/admin.sock`. */
import path from 'node:path';
import { ADMIN_SOCKET_FILE, serveAdminSocket } from '../../../internal/admin/index.js';
import type { Logger } from '../../../internal/logger/index.js';
import type { Messenger } from '../../../src/index.js';
import { messengerHost } from './hosts.js';

/**
 * Serves the admin API of the daemon's `messenger` on its data dir's socket (mode 0600). Resolves
 * with what closes it.
 *
 * @throws MessengerError `ERR_ADMIN_UNAVAILABLE` when the socket cannot be created.
 */
export async function startAdminSocket(messenger: Messenger, logger: Logger): Promise<() => Promise<void>> {
  const opened = messengerHost(messenger, 'daemon', logger);
  const socketPath = path.join(messenger.config.storage.dataDir, ADMIN_SOCKET_FILE);
  try {
    const socket = await serveAdminSocket(socketPath, opened.host, logger);
    return async () => {
      await socket.close();
      await opened.close();
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}
