/** The HTTP listener: health, readiness and pluggable routes. */
export {
  DEFAULT_HTTP_TIMEOUTS,
  HttpServer,
  parseListenAddr,
  type HttpServerOptions,
  type RouteHandler,
} from './server.js';
export { listenerTimeoutOptions, type ListenerTimeouts } from './timeouts.js';
