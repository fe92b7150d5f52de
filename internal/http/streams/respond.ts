/** Writing responses: plain-text refusals and the mapping of stream failures to statuses. */
import type http from 'node:http';
import { StreamError, type StreamFailure } from '../../streams/index.js';

const STATUS: Record<StreamFailure, number> = {
  'bad-request': 400,
  'not-found': 404,
  gone: 410,
  conflict: 409,
  'too-large': 413,
};

/** Sends a plain-text refusal: a short reason on one line. */
export function refuse(
  res: http.ServerResponse,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${reason}\n`);
}

/** Sends the refusal for a {@link StreamError}; returns false for any other error. */
export function refuseStreamError(res: http.ServerResponse, err: unknown): boolean {
  if (!(err instanceof StreamError)) return false;
  if (res.headersSent) {
    res.end();
    return true;
  }
  refuse(res, STATUS[err.failure], err.message);
  return true;
}

/** Sends a status with headers and no body. */
export function empty(res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}
