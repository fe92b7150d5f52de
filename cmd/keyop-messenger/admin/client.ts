/**
 * How a CLI admin verb reaches its data dir: through the running daemon's admin socket, else (no
 * daemon) by opening the stopped data dir itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN_SOCKET_FILE,
  callAdmin,
  runAdminRequest,
  WRITE_VERBS,
  type AdminRequest,
} from '../../../internal/admin/index.js';
import { ErrorCode, hasErrorCode, MessengerError } from '../../../internal/errors/index.js';
import { silentLogger } from '../../../internal/logger/index.js';
import { assertDataDirUnowned } from '../../../internal/storage/index.js';
import type { MessengerConfig } from '../../../src/index.js';
import { openStoppedDataDir } from './hosts.js';

/**
 * Runs `request` against the data dir of `config`: on the daemon when its socket answers, else on
 * the stopped data dir (a write verb takes its lock meanwhile), unless `daemonOnly` names what
 * needs the daemon.
 *
 * @throws MessengerError `ERR_ADMIN_UNAVAILABLE` when a process holds the data dir but its admin
 *   socket does not answer (a library process, or a daemon of an older version), or when
 *   `daemonOnly` is given and no daemon answers.
 */
export async function runAdmin(
  config: MessengerConfig,
  request: AdminRequest,
  daemonOnly?: string,
): Promise<unknown> {
  const dataDir = config.storage.dataDir;
  if (!fs.existsSync(path.join(dataDir, 'channels'))) {
    throw new MessengerError(
      ErrorCode.DATA_DIR_UNUSABLE,
      `no data dir at ${path.resolve(dataDir)} (it has no channels folder); check storage.data_dir or pass -c <config>`,
    );
  }
  const socketPath = path.join(dataDir, ADMIN_SOCKET_FILE);
  if (fs.existsSync(socketPath)) {
    try {
      return await callAdmin(socketPath, request);
    } catch (err) {
      // A socket file nobody listens on is left by a daemon that died: the data dir is stopped.
      if (!hasErrorCode(err, ErrorCode.ADMIN_UNAVAILABLE)) throw err;
    }
  }
  if (daemonOnly !== undefined) {
    throw new MessengerError(
      ErrorCode.ADMIN_UNAVAILABLE,
      `${daemonOnly} needs the running daemon, and none answers on ${socketPath}`,
    );
  }
  try {
    assertDataDirUnowned(dataDir);
  } catch (err) {
    if (!hasErrorCode(err, ErrorCode.DATA_DIR_LOCKED)) throw err;
    throw new MessengerError(
      ErrorCode.ADMIN_UNAVAILABLE,
      `${(err as Error).message}; it serves no admin socket at ${socketPath} (only \`keyop-messenger run\` does)`,
      { cause: err },
    );
  }
  const opened = await openStoppedDataDir(config, WRITE_VERBS.has(request.verb), silentLogger);
  try {
    return await runAdminRequest(opened.host, request);
  } finally {
    await opened.close();
  }
}
