/** The HTTP listener: health, readiness, pluggable routes, limits, and who may use them (CORS, Host). */
export {
  DEFAULT_HTTP_TIMEOUTS,
  DEFAULT_IDLE_MS,
  HttpServer,
  type HttpServerOptions,
  type RouteHandler,
} from './server.js';
export { CorsPolicy } from './cors.js';
export { HostCheck, isLoopbackHost } from './hosts.js';
