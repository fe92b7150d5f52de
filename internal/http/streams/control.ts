/**
 * The reserved `{prefix}/__ds/...` control API: the webhook JWKS and stream subscriptions. Answers
 * are JSON, refusals included (`{"error":{"code":…,"message":…}}`), as the protocol defines them.
 */
import type http from 'node:http';
import {
  SubscriptionError,
  type SubscriptionWireCode,
  type SubscriptionManager,
} from '../../streams/subscriptions/index.js';
import { StreamError } from '../../streams/index.js';
import type { ControlRoutes } from './routes.js';
import { header, requestOrigin } from './stream-request.js';
import { readBody } from './request-body.js';

const STATUS: Record<SubscriptionWireCode, number> = {
  INVALID_REQUEST: 400,
  SUBSCRIPTION_NOT_FOUND: 404,
  SUBSCRIPTION_ALREADY_EXISTS: 409,
  WEBHOOK_URL_REJECTED: 400,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  FENCED: 409,
  ALREADY_CLAIMED: 409,
  NO_PENDING_WORK: 409,
  INVALID_OFFSET: 409,
};

const MAX_CONTROL_BODY_BYTES = 1 << 20;
const SUBSCRIPTIONS = '__ds/subscriptions/';
const ACTIONS = new Set(['callback', 'claim', 'ack', 'release']);

/** The control routes backed by `manager`; `prefix` is the streams prefix. */
export function controlRoutes(manager: SubscriptionManager, prefix: string): ControlRoutes {
  return async (req, res, path) => {
    const method = req.method ?? '';
    if (path === '__ds/jwks.json') {
      if (method !== 'GET') return notAllowed(res);
      sendJson(res, 200, manager.jwks(), {
        'content-type': 'application/jwk-set+json',
        'cache-control': 'public, max-age=300',
      });
      return true;
    }
    if (!path.startsWith(SUBSCRIPTIONS)) return false;
    const [id = '', action, ...rest] = path.slice(SUBSCRIPTIONS.length).split('/');
    if (id === '') return false;
    const controlBase = `${requestOrigin(req)}${prefix}/__ds`;
    try {
      if (action === undefined) {
        if (method === 'PUT') {
          const { created, view } = manager.put(id, await jsonBody(req), controlBase);
          sendJson(res, created ? 201 : 200, view);
        } else if (method === 'GET') sendJson(res, 200, manager.view(id, controlBase));
        else if (method === 'DELETE') {
          manager.delete(id);
          noContent(res);
        } else return notAllowed(res);
        return true;
      }
      if (action === 'streams') {
        if (rest.length === 0 && method === 'POST') manager.addStreams(id, await jsonBody(req));
        else if (rest.length > 0 && method === 'DELETE') manager.removeStream(id, rest.join('/'));
        else return notAllowed(res);
        noContent(res);
        return true;
      }
      if (!ACTIONS.has(action) || rest.length > 0) return false;
      if (method !== 'POST') return notAllowed(res);
      const body = await jsonBody(req);
      if (action === 'claim') {
        sendJson(res, 200, manager.claim(id, body));
        return true;
      }
      const token = bearer(req);
      if (action === 'release') {
        manager.release(id, token, body);
        noContent(res);
      } else if (action === 'ack') sendJson(res, 200, manager.ack(id, token, body));
      else sendJson(res, 200, manager.callback(id, token, body));
      return true;
    } catch (err) {
      if (err instanceof SubscriptionError) {
        sendJson(res, STATUS[err.wireCode], {
          error: { code: err.wireCode, message: err.message, ...err.details },
        });
        return true;
      }
      if (err instanceof StreamError) {
        sendJson(res, err.failure === 'too-large' ? 413 : 400, {
          error: { code: 'INVALID_REQUEST', message: err.message },
        });
        return true;
      }
      throw err;
    }
  };
}

async function jsonBody(req: http.IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, MAX_CONTROL_BODY_BYTES);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new SubscriptionError('INVALID_REQUEST', 'request body is not valid JSON');
  }
}

function bearer(req: http.IncomingMessage): string {
  const value = header(req, 'authorization');
  if (value?.startsWith('Bearer ') !== true) {
    throw new SubscriptionError('TOKEN_INVALID', 'missing or malformed Authorization: Bearer header');
  }
  return value.slice('Bearer '.length);
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): void {
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

function noContent(res: http.ServerResponse): void {
  res.writeHead(204);
  res.end();
}

function notAllowed(res: http.ServerResponse): true {
  res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, PUT, POST, DELETE' });
  res.end('method not allowed on this control route\n');
  return true;
}
