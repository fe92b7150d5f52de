/**
 * Streaming request/reply as a channel convention (docs/conventions/streaming-rpc.md): requesters open
 * streams to services through request channels and read the answers on their inbox channel.
 */
export { RpcCloseError } from './close-error.js';
export { CloseCode, isRetryableClose, RpcType } from './protocol.js';
export { RpcRequester, type OpenStreamOptions } from './requester.js';
export type { RequesterStream } from './requester-stream.js';
export type { RpcWriter } from './served-stream.js';
export { RpcServer, type RpcHandler, type RpcRequest, type RpcServerCounters } from './server.js';
export type { RpcListener, RpcTransport } from './transport.js';
