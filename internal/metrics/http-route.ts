/**
 * The HTTP side of the metrics: `GET /metrics` (authorized by the caller, like the other routes),
 * and an observer that counts every request by route.
 */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RouteHandler } from '../http/index.js';
import type { InstanceMetrics } from './prometheus.js';

/** The path the metrics are served on. */
export const METRICS_PATH = '/metrics';

/** Settings of {@link metricsRoutes}. */
export interface MetricsRouteOptions {
  readonly metrics: InstanceMetrics;
  /**
   * Whether `req` may read the metrics; when not, it has answered the request (401 or 403) and
   * reported the refusal.
   */
  readonly permit: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /**
   * The bounded route name of a request path for `keyop_http_requests_total` (e.g. `stream`,
   * `control`); undefined for paths no route serves, counted as `other`.
   */
  readonly routeOf: (pathname: string) => string | undefined;
}

/**
 * Two route handlers, to be added before all others: the first observes every request (it never
 * handles one), the second serves `GET /metrics`.
 */
export function metricsRoutes(options: MetricsRouteOptions): [RouteHandler, RouteHandler] {
  const { metrics } = options;
  const observe: RouteHandler = (req, res, url) => {
    const started = performance.now();
    const route = url.pathname === METRICS_PATH ? 'metrics' : (options.routeOf(url.pathname) ?? 'other');
    res.once('close', () => {
      metrics.observeRequest(route, req.method ?? '', res.statusCode, (performance.now() - started) / 1000);
    });
    return false;
  };
  const serve: RouteHandler = async (req, res, url) => {
    if (url.pathname !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    if (!options.permit(req, res)) return true;
    const body = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
  return [observe, serve];
}
