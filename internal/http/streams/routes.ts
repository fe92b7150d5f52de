/**
 * The streams routes: every request under the prefix gets the security and CORS headers, then is
 * dispatched by method. `{prefix}/__ds/...` is reserved for the control APIs.
 */
import type http from 'node:http';
import { RESERVED_SEGMENT, channelForPath, fail } from '../../streams/index.js';
import { foreignChangeRefusal, refuseAccess, type AccessTarget, type HttpRight } from '../auth/index.js';
import type { RouteHandler } from '../server.js';
import type { StreamRequest, StreamsHttpOptions } from './stream-request.js';
import { EXPOSE_HEADERS, PREFLIGHT_HEADERS, SECURITY_HEADERS } from './protocol.js';
import { serveGet, serveHead } from './read.js';
import { empty, refuse, refuseStreamError } from './respond.js';
import { serveDelete, servePost, servePut } from './write.js';

/** Extra handler for the reserved `__ds` namespace; returns false when it does not know the route. */
export type ControlRoutes = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  url: URL,
) => Promise<boolean>;

/** The route handler serving streams under `opts.prefix`. */
export function streamsRoute(opts: StreamsHttpOptions, control?: ControlRoutes): RouteHandler {
  const prefix = `${opts.prefix}/`;
  return async (req, res, url) => {
    if (!url.pathname.startsWith(prefix) && url.pathname !== opts.prefix) return false;
    const cors = opts.access.cors.headersFor(req);
    const allowed = 'access-control-allow-origin' in cors;
    for (const headers of [SECURITY_HEADERS, cors, allowed ? EXPOSE_HEADERS : {}]) {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    }
    if (req.method === 'OPTIONS') {
      empty(res, 204, PREFLIGHT_HEADERS);
      return true;
    }
    const permit = (target: AccessTarget): boolean => {
      const decision = foreignChangeRefusal(req, opts.access.cors) ?? opts.access.auth.decide(req, target);
      if (decision.allowed) return true;
      refuseAccess(res, decision);
      opts.access.refused(req, decision, target);
      return false;
    };
    try {
      const path = decodePath(url.pathname.slice(prefix.length));
      if (path === RESERVED_SEGMENT || path.startsWith(`${RESERVED_SEGMENT}/`)) {
        if (needsInstanceRights(path) && !permit('instance')) return true;
        if (control === undefined || !(await control(req, res, path, url))) {
          refuse(res, 404, 'no such control route');
        }
        return true;
      }
      const right = RIGHTS[req.method ?? ''];
      if (right !== undefined && !permit({ right, channel: channelForPath(path) })) return true;
      await dispatch({ opts, req, res, url, path, permit });
    } catch (err) {
      if (!refuseStreamError(res, err)) throw err;
    }
    return true;
  };
}

/** The right each stream method needs (other methods are refused with 405 anyway). */
const RIGHTS: Readonly<Record<string, HttpRight>> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'write',
  PUT: 'admin',
  DELETE: 'admin',
};

/**
 * Control routes need the instance-wide admin right, except the public key set (webhook receivers
 * fetch it) and the subscription actions that carry their own subscription token.
 */
function needsInstanceRights(path: string): boolean {
  if (path === `${RESERVED_SEGMENT}/jwks.json`) return false;
  return !/^__ds\/subscriptions\/[^/]+\/(?:callback|ack|release)$/.test(path);
}

function decodePath(raw: string): string {
  if (raw === '') throw fail.badRequest('a stream name is required');
  if (!raw.includes('%')) return raw;
  try {
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw fail.badRequest('malformed percent-encoding in the stream name');
  }
}

async function dispatch(request: StreamRequest): Promise<void> {
  switch (request.req.method) {
    case 'GET':
      return serveGet(request);
    case 'HEAD':
      return serveHead(request);
    case 'PUT':
      return servePut(request);
    case 'POST':
      return servePost(request);
    case 'DELETE':
      return serveDelete(request);
    case undefined:
    default:
      refuse(request.res, 405, `method ${request.req.method ?? ''} is not allowed on a stream`, {
        allow: 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
      });
  }
}
