/**
 * Peek across instances (§4.4): the authority serves `streamkit.peek.v1` on `sk.<store>._req`, so a
 * client that holds no replica (the CLI through a hub) can read a segment's latest entry.
 */
import { RpcCloseError, type RpcHandler } from '../rpc/index.js';
import { entryFromWire, entryToWire, type StreamEntry } from './entry.js';
import { badRequest, StreamkitError } from './errors.js';
import { requestAuthority, type ProduceRpc } from './remote-produce.js';

/** Request type of a peek. */
export const PEEK_TYPE = 'streamkit.peek.v1';

/** The rpc handler of the authority: answers the entry, closes with the error's code. */
export function peekHandler(peek: (space: string, segment: string) => Promise<StreamEntry>): RpcHandler {
  return async (request, writer) => {
    let entry: StreamEntry;
    try {
      const body = request.body as { space?: unknown; segment?: unknown } | null;
      if (body === null || typeof body !== 'object') throw badRequest('peek body must be an object');
      if (typeof body.space !== 'string' || typeof body.segment !== 'string')
        throw badRequest('space and segment must be strings');
      entry = await peek(body.space, body.segment);
    } catch (err) {
      if (err instanceof StreamkitError) throw new RpcCloseError(err.wireCode, err.message);
      throw err;
    }
    await writer.write(entryToWire(entry));
  };
}

/** Asks the authority for a segment's latest entry (sequence 0 when it has none). */
export function requestPeek(
  rpc: Pick<ProduceRpc, 'request'>,
  channel: string,
  where: { space: string; segment: string },
  timeoutMs: number,
): Promise<StreamEntry> {
  return requestAuthority(
    rpc,
    { channel, type: PEEK_TYPE, body: where, timeoutMs },
    entryFromWire,
    () => `peek ${where.space}/${where.segment}: the authority answered no entry`,
  );
}
