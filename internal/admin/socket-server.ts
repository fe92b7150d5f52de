/**
 * The daemon's admin socket: HTTP over a unix socket in the data dir, created owner-only (0600), so
 * only the daemon's user (and root) may administer it. One JSON request per `POST /`.
 */
import fs from 'node:fs';
import http from 'node:http';
import { ErrorCode, errorMessage, MessengerError } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { AdminHost } from './host.js';
import { runAdminRequest } from './operations.js';
import { parseAdminRequest, type AdminAnswer } from './protocol.js';

/** Largest request body (requests are a few fields). */
const MAX_REQUEST_BYTES = 64 * 1024;
/**
 * Longest unix socket path on Linux and macOS (`sun_path` is 108 and 104 bytes with the NUL); a
 * longer data dir path cannot hold the socket.
 */
const MAX_SOCKET_PATH = 103;

/** A listening admin socket. */
export interface AdminSocket {
  readonly path: string;
  /** Stops listening and removes the socket file. */
  close(): Promise<void>;
}

/**
 * Serves the admin API of `host` on the unix socket `socketPath`. A socket file left by a crashed
 * daemon is replaced (the caller holds the data dir's lock, so no live daemon serves it).
 *
 * @throws MessengerError `ERR_ADMIN_UNAVAILABLE` when the path is too long for a unix socket or
 *   cannot be bound.
 */
export async function serveAdminSocket(
  socketPath: string,
  host: AdminHost,
  logger: Logger,
): Promise<AdminSocket> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new MessengerError(
      ErrorCode.ADMIN_UNAVAILABLE,
      `admin socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter storage.data_dir`,
    );
  }
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    void answer(req, host, logger).then((body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is bound inside listen(): a umask of 077 creates it 0600 from the start.
    const umask = process.umask(0o077);
    try {
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  }).catch((err: unknown) => {
    throw new MessengerError(
      ErrorCode.ADMIN_UNAVAILABLE,
      `admin socket ${socketPath}: ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: async () => {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeAllConnections();
      fs.rmSync(socketPath, { force: true });
    },
  };
}

async function answer(req: http.IncomingMessage, host: AdminHost, logger: Logger): Promise<AdminAnswer> {
  return adminAnswer(async () => {
    if (req.method !== 'POST')
      throw new MessengerError(ErrorCode.INVALID_ARGUMENT, 'admin request: use POST /');
    const request = parseAdminRequest(JSON.parse(await readAdminBody(req)) as unknown);
    return runAdminRequest(host, request);
  }, logger);
}

/**
 * The answer of an admin request run by `work`: its result, or the coded error it failed with (an
 * error outside the family is logged and answered with its message only).
 */
export async function adminAnswer(work: () => Promise<unknown>, logger: Logger): Promise<AdminAnswer> {
  try {
    return { ok: true, result: await work() };
  } catch (err) {
    if (!(err instanceof MessengerError)) {
      logger.error({ err }, 'admin request failed');
      return { ok: false, message: errorMessage(err) };
    }
    return { ok: false, code: err.code, message: err.message };
  }
}

/**
 * The body of an admin request as text.
 *
 * @throws MessengerError `ERR_INVALID_ARGUMENT` when it is larger than 64 KiB.
 */
export async function readAdminBody(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_REQUEST_BYTES) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `admin request larger than ${MAX_REQUEST_BYTES} bytes`,
      );
    }
  }
  return body;
}
