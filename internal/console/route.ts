/**
 * `/ui/`: the console's page and assets, `GET /ui/api/session`, one `GET /ui/api/<view>` per read
 * view (overview, federation, streams, streamkit), `GET /ui/api/events` (the views as server-sent
 * events), and `POST /ui/api/admin` carrying one admin API request. Looking needs the `metrics`
 * right, a verb that changes the data dir the `instance` (admin) right, so the page never does more
 * than the admin API or the caller may.
 */
import fsp from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import {
  adminAnswer,
  parseAdminRequest,
  readAdminBody,
  runAdminRequest,
  WRITE_VERBS,
  type AdminHost,
} from '../admin/index.js';
import type { Logger } from '../logger/index.js';
import { parseViews, serveEvents, type EventsOptions } from './events.js';

/** Where the console is served. */
export const CONSOLE_PATH = '/ui/';

/** What a console request needs: to look (`metrics`) or to change the data dir (`instance`). */
export type ConsoleTarget = 'metrics' | 'instance';

/** Settings of {@link consoleRoute}. */
export interface ConsoleOptions {
  /** The folder of the page's files. */
  readonly assetsDir: string;
  /** The daemon's admin API. */
  readonly admin: AdminHost;
  /** Whether `req` may reach `target`; when not, it has answered (401 or 403) and reported it. */
  readonly permit: (req: http.IncomingMessage, res: http.ServerResponse, target: ConsoleTarget) => boolean;
  /** Whether `req` may reach `target`, without answering. */
  readonly allows: (req: http.IncomingMessage, target: ConsoleTarget) => boolean;
  /**
   * The read-only views by name (`overview`: instance, uptime, disk, fsync latency, live
   * statistics; the others what the daemon hosts), each served at `GET /ui/api/<name>`.
   */
  readonly views: EventsOptions['views'];
  /** How `GET /ui/api/events` sends the views. */
  readonly events: Omit<EventsOptions, 'views' | 'logger'>;
  readonly logger: Logger;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Asset names served: one flat folder, no dot files, no path segments. */
const ASSET = /^[a-z][a-z0-9-]*\.(html|js|css|svg)$/;

/** The page may load only its own assets and call only its own origin. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The console's route handler. */
export function consoleRoute(options: ConsoleOptions) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === '/ui') {
      res.writeHead(308, { location: CONSOLE_PATH });
      res.end();
      return true;
    }
    if (!url.pathname.startsWith(CONSOLE_PATH)) return false;
    const rest = url.pathname.slice(CONSOLE_PATH.length);
    if (rest.startsWith('api/')) {
      await serveApi(options, req, res, rest.slice('api/'.length));
      return true;
    }
    await serveAsset(options.assetsDir, req, res, rest === '' ? 'index.html' : rest);
    return true;
  };
}

async function serveApi(
  options: ConsoleOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
): Promise<void> {
  const method = name === 'admin' ? 'POST' : 'GET';
  const viewNames = Object.keys(options.views);
  if (!['session', 'events', 'admin', ...viewNames].includes(name)) {
    sendJson(res, 404, { error: `no console API ${name}` });
    return;
  }
  if (req.method !== method) {
    methodNotAllowed(res, method);
    return;
  }
  if (name !== 'admin') {
    if (!options.permit(req, res, 'metrics')) return;
    if (name === 'events') {
      const asked = parseViews(
        new URL(req.url ?? '/', 'http://console').searchParams.get('views'),
        viewNames,
      );
      if ('unknown' in asked) sendJson(res, 404, { error: `no console view ${asked.unknown}` });
      else
        await serveEvents(
          { ...options.events, views: options.views, logger: options.logger },
          req,
          res,
          asked.views,
          SECURITY_HEADERS,
        );
      return;
    }
    const view = options.views[name];
    const body = view === undefined ? { admin: options.allows(req, 'instance') } : await view();
    sendJson(res, 200, body);
    return;
  }
  let refused = false;
  const answer = await adminAnswer(async () => {
    const request = parseAdminRequest(JSON.parse(await readAdminBody(req)) as unknown);
    refused = !options.permit(req, res, WRITE_VERBS.has(request.verb) ? 'instance' : 'metrics');
    return refused ? undefined : runAdminRequest(options.admin, request);
  }, options.logger);
  if (!refused) sendJson(res, answer.ok ? 200 : 400, answer);
}

async function serveAsset(
  dir: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  name: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    methodNotAllowed(res, 'GET, HEAD');
    return;
  }
  const body = ASSET.test(name) ? await fsp.readFile(path.join(dir, name)).catch(() => undefined) : undefined;
  if (body === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(`no console asset ${name}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    ...SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

function methodNotAllowed(res: http.ServerResponse, allow: string): void {
  res.writeHead(405, { allow, 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
  res.end('method not allowed\n');
}
