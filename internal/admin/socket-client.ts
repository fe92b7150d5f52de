/** Calling the admin socket of a running daemon. */
import http from 'node:http';
import { ErrorCode, errorMessage, MessengerError, type ErrorCode as Code } from '../errors/index.js';
import type { AdminAnswer, AdminRequest } from './protocol.js';

/**
 * Sends `request` to the admin socket at `socketPath` and resolves with its result.
 *
 * @throws MessengerError with the daemon's code when the request failed there;
 *   `ERR_ADMIN_UNAVAILABLE` when the socket cannot be reached or the answer is not an admin answer.
 */
export function callAdmin(socketPath: string, request: AdminRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const unavailable = (why: string, cause?: unknown): MessengerError =>
      new MessengerError(ErrorCode.ADMIN_UNAVAILABLE, `admin socket ${socketPath}: ${why}`, { cause });
    const req = http.request({ socketPath, method: 'POST', path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => {
        let answer: AdminAnswer;
        try {
          answer = JSON.parse(body) as AdminAnswer;
        } catch (err) {
          reject(unavailable('the answer is not JSON', err));
          return;
        }
        if (answer.ok) resolve(answer.result);
        else reject(new MessengerError((answer.code ?? ErrorCode.ADMIN_UNAVAILABLE) as Code, answer.message));
      });
    });
    req.once('error', (err) => {
      reject(unavailable(errorMessage(err), err));
    });
    req.end(JSON.stringify(request));
  });
}
