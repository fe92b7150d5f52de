/** The rule a request type follows, for both ends (docs/conventions/streaming-rpc.md §2). */
import { typeName } from '../errors/index.js';
import { RpcCloseError } from './close-error.js';
import { CloseCode, RESERVED_TYPE_PREFIX } from './protocol.js';

/**
 * Throws a 4000 {@link RpcCloseError} unless `payloadType` is a string outside the reserved `rpc.`
 * prefix (a JavaScript caller may pass anything).
 */
export function checkRequestType(payloadType: unknown): void {
  if (typeof payloadType !== 'string') {
    throw new RpcCloseError(
      CloseCode.BAD_REQUEST,
      `request type must be a string, not ${typeName(payloadType)}`,
    );
  }
  if (payloadType.startsWith(RESERVED_TYPE_PREFIX)) {
    throw new RpcCloseError(
      CloseCode.BAD_REQUEST,
      `request type ${JSON.stringify(payloadType)} uses the reserved prefix "rpc."`,
    );
  }
}
