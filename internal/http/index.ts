/** The HTTP listener: health, readiness, pluggable routes, and who may use them (CORS, Host). */
export { HttpServer, parseListenAddr, type HttpServerOptions, type RouteHandler } from './server.js';
export { CorsPolicy } from './cors.js';
export { HostCheck, isLoopbackHost } from './hosts.js';
