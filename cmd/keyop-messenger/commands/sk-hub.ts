/**
 * What the `sk` verbs do through a hub: an ephemeral client with a StreamRpc sends the request to the
 * store's authority (`sk.<store>._req`, docs/conventions/streamkit.md §4) and rebuilds its answer.
 */
import type { Command } from 'commander';
import { ErrorCode, errorMessage, hasErrorCode } from '../../../internal/errors/index.js';
import {
  checkSizes,
  prepareRecord,
  produceBody,
  RemoteCoordinator,
  requestChannel,
  requestPeek,
  requestProduce,
  SkCode,
  StreamkitError,
  type RecordInput,
  type SegmentStatus,
  type StreamEntry,
} from '../../../internal/streamkit/index.js';
import { StreamRpc } from '../../../src/index.js';
import { createEphemeral, type HubFlags } from './hub-connection.js';

/** A produce as the CLI sends it. */
export interface HubProduce {
  readonly store: string;
  readonly space: string;
  readonly segment: string;
  readonly records: readonly RecordInput[];
  readonly expectedLastSequence: number | 'any';
  readonly timeoutMs: number;
}

/** Sends one produce (one transaction, a new trx id) to the authority; resolves with its status. */
export function produceThroughHub(command: Command, flags: HubFlags, p: HubProduce): Promise<SegmentStatus> {
  const prepared = p.records.map((r, i) => prepareRecord(r, i));
  checkSizes(prepared, p.segment);
  const body = produceBody(
    {
      space: p.space,
      segment: p.segment,
      expectedLastSequence: p.expectedLastSequence,
      trxId: crypto.randomUUID(),
    },
    prepared,
  );
  return withHubRpc(command, flags, (rpc) => requestProduce(rpc, requestChannel(p.store), body, p.timeoutMs));
}

/** Asks the authority for a segment's latest entry. */
export function peekThroughHub(
  command: Command,
  flags: HubFlags,
  where: { store: string; space: string; segment: string; timeoutMs: number },
): Promise<StreamEntry> {
  return withHubRpc(command, flags, (rpc) =>
    requestPeek(
      rpc,
      requestChannel(where.store),
      { space: where.space, segment: where.segment },
      where.timeoutMs,
    ),
  );
}

/** Runs `call` with lease and worker operations sent through the hub to the store's authority. */
export function withHubCoordinator<T>(
  command: Command,
  flags: HubFlags,
  where: { store: string; authority?: string | undefined; timeoutMs: number },
  call: (coordinator: RemoteCoordinator) => Promise<T>,
): Promise<T> {
  const channel = requestChannel(where.store);
  return withHubRpc(command, flags, (rpc) =>
    call(new RemoteCoordinator(rpc, channel, where.authority ?? '', where.timeoutMs)),
  );
}

async function withHubRpc<T>(
  command: Command,
  flags: HubFlags,
  call: (rpc: StreamRpc) => Promise<T>,
): Promise<T> {
  const em = createEphemeral(command, flags, { autoReconnect: false });
  const rpc = await StreamRpc.open(em);
  try {
    try {
      await em.connect();
    } catch (err) {
      // Not a refusal: the hub may be back later (§6: 5003, retryable).
      if (!hasErrorCode(err, ErrorCode.EPHEMERAL_CONN_LOST)) throw err;
      throw new StreamkitError(SkCode.UNAVAILABLE, errorMessage(err), { cause: err });
    }
    return await call(rpc);
  } finally {
    await rpc.close();
    await em.close();
  }
}
