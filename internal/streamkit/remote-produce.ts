/**
 * Produce across instances (§4): the authority serves `streamkit.produce.v1` on `sk.<store>._req`
 * through the rpc convention; other instances send their produces there and rebuild the typed error
 * from the close code.
 */
import { RpcCloseError, type OpenStreamOptions, type RpcHandler } from '../rpc/index.js';
import {
  statusFromWire,
  statusToWire,
  type PreparedRecord,
  type RecordInput,
  type SegmentStatus,
} from './entry.js';
import { badRequest, errorFromWire, SkCode, StreamkitError } from './errors.js';
import { isLeaseKey } from './lease-table.js';

/** Request type of a produce. */
export const PRODUCE_TYPE = 'streamkit.produce.v1';

/** What produce needs of a StreamRpc (which provides it). */
export interface ProduceRpc {
  serve(channel: string, payloadType: string, handler: RpcHandler): Promise<{ stop(): Promise<void> }>;
  request<R>(
    channel: string,
    payloadType: string,
    body: unknown,
    options?: OpenStreamOptions,
  ): Promise<R | undefined>;
}

/** A produce as it travels. */
export interface ProduceBody {
  space: string;
  segment: string;
  expected_last_sequence: number | 'any';
  trx_id: string;
  records: WireRecord[];
  /** The lease fence the produce is written under (§8.4), checked by the authority. */
  expected_fence?: { key: string; fence: number };
}

/** A record as it travels (§4.1). */
export interface WireRecord {
  data?: unknown;
  data_b64?: string;
  metadata?: Record<string, string>;
  sequence?: number;
}

/** A produce to run locally, as the authority reads it from a request. */
export interface ProduceCall {
  space: string;
  segment: string;
  records: RecordInput[];
  expectedLastSequence: number | 'any';
  trxId: string;
  /** The lease key and fence the produce must be written under. */
  fence?: ExpectedFence | undefined;
}

/** A lease key and the fence a produce expects it to have. */
export interface ExpectedFence {
  key: string;
  fence: number;
}

/** The body of a produce request. */
export function produceBody(
  call: Omit<ProduceCall, 'records'>,
  prepared: readonly PreparedRecord[],
): ProduceBody {
  return {
    space: call.space,
    segment: call.segment,
    expected_last_sequence: call.expectedLastSequence,
    trx_id: call.trxId,
    records: prepared.map(
      (r) =>
        JSON.parse(`{${r.body}${r.sequence === undefined ? '' : `,"sequence":${r.sequence}`}}`) as WireRecord,
    ),
    ...(call.fence === undefined ? {} : { expected_fence: { key: call.fence.key, fence: call.fence.fence } }),
  };
}

/** Reads a request body (4000 naming what is malformed). */
export function produceCallOf(body: unknown): ProduceCall {
  const b = body as Partial<ProduceBody> | null;
  if (b === null || typeof b !== 'object') throw badRequest('produce body must be an object');
  const { space, segment, expected_last_sequence: expected, trx_id: trxId, records } = b;
  if (typeof space !== 'string' || typeof segment !== 'string')
    throw badRequest('space and segment must be strings');
  if (typeof trxId !== 'string') throw badRequest('trx_id must be a string');
  if (
    expected !== 'any' &&
    (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0)
  ) {
    throw badRequest(
      `expected_last_sequence must be a whole number ≥ 0 or "any", got ${JSON.stringify(expected) ?? 'none'}`,
    );
  }
  if (!Array.isArray(records)) throw badRequest('records must be an array');
  return {
    space,
    segment,
    expectedLastSequence: expected,
    trxId,
    records: records.map((r: WireRecord, i) => recordFromWire(r, i)),
    fence: fenceOf(b.expected_fence),
  };
}

/** The `expected_fence` of a request, 4000 when malformed. */
function fenceOf(f: Partial<ExpectedFence> | null | undefined): ExpectedFence | undefined {
  if (f === undefined) return undefined;
  if (f === null || typeof f !== 'object' || !isLeaseKey(f.key) || !isFence(f.fence)) {
    throw badRequest('expected_fence must be {"key": 1-1024 UTF-8 bytes, "fence": whole number ≥ 1}');
  }
  return { key: f.key, fence: f.fence };
}

/** Whether `fence` can be a fencing token. */
export function isFence(fence: unknown): fence is number {
  return typeof fence === 'number' && Number.isSafeInteger(fence) && fence >= 1;
}

/** Whether `s` is padded base64 (RFC 4648 §4) in its one canonical form. */
function isPaddedBase64(s: unknown): s is string {
  return typeof s === 'string' && Buffer.from(s, 'base64').toString('base64') === s;
}

/** One record of a request body (or a CLI input line), 4000 naming it when malformed. */
export function recordFromWire(r: WireRecord | null, index: number): RecordInput {
  if (r === null || typeof r !== 'object') throw badRequest(`record ${index}: must be an object`);
  const record: RecordInput = {};
  if ('data_b64' in r) {
    // Node decodes any string, skipping what is not base64: refuse instead of storing other bytes.
    if (!isPaddedBase64(r.data_b64)) {
      throw badRequest(`record ${index}: data_b64 must be padded base64 (RFC 4648 §4)`);
    }
    record.bytes = Buffer.from(r.data_b64, 'base64');
  }
  if ('data' in r) record.data = r.data;
  if (r.metadata !== undefined) record.metadata = r.metadata;
  if (r.sequence !== undefined) record.sequence = r.sequence;
  return record;
}

/** The rpc handler of the authority: runs the produce, answers its status, closes with its error's code. */
export function produceHandler(produce: (call: ProduceCall) => Promise<SegmentStatus>): RpcHandler {
  return async (request, writer) => {
    let status: SegmentStatus;
    try {
      status = await produce(produceCallOf(request.body));
    } catch (err) {
      if (err instanceof StreamkitError) throw new RpcCloseError(err.wireCode, err.wireText);
      throw err;
    }
    await writer.write(statusToWire(status));
  };
}

/** Sends a produce to the authority and rebuilds its answer or its typed error. */
export function requestProduce(
  rpc: ProduceRpc,
  channel: string,
  body: ProduceBody,
  timeoutMs: number,
): Promise<SegmentStatus> {
  return requestAuthority(
    rpc,
    { channel, type: PRODUCE_TYPE, body, timeoutMs },
    statusFromWire,
    () => `produce ${body.trx_id}: the authority answered no segment status`,
  );
}

/** One request to the authority, its answer read by `read`, a close rebuilt as its typed error. */
export async function requestAuthority<T>(
  rpc: Pick<ProduceRpc, 'request'>,
  request: { channel: string; type: string; body: unknown; timeoutMs: number },
  read: (answer: unknown) => T | undefined,
  unreadable: () => string,
): Promise<T> {
  let answer: unknown;
  try {
    answer = await rpc.request(request.channel, request.type, request.body, {
      timeoutMs: request.timeoutMs,
    });
  } catch (err) {
    if (err instanceof RpcCloseError) throw errorFromWire(err.closeCode, err.text, err);
    throw err;
  }
  const value = read(answer);
  if (value === undefined) throw new StreamkitError(SkCode.INTERNAL, unreadable());
  return value;
}
