/** The HTTP listener: health, readiness and pluggable routes. */
export { HttpServer, parseListenAddr, type HttpServerOptions, type RouteHandler } from './server.js';
