/** The Durable Streams HTTP routes (framing: headers, long-poll, SSE) over the streams service. */
export { streamsRoute, type ControlRoutes } from './routes.js';
export type { StreamsAccess, StreamsHttpOptions } from './stream-request.js';
export { controlRoutes } from './control.js';
