/**
 * A streamkit authority written from docs/conventions/streamkit.md alone (§2–§4, §4.4, §7.1 step 3),
 * on the public Messenger API: it writes the space channels of one store and serves produce, peek
 * and resync over rpc (our `StreamRpc` is the transport). Without a {@link TestCoordinator} it holds
 * no leases: a produce with a fence is refused (4010) as for a key that was never leased.
 */
import { randomUUID } from 'node:crypto';
import { RpcCloseError, type Messenger, type StreamRpc } from '../../src/index.js';
import type { TestCoordinator } from './streamkit-coordinator.js';
import { SpaceReader } from './streamkit-replica.js';
import {
  channelLines,
  channels,
  entryPayloads,
  isInt,
  isSegment,
  isSpaceName,
  isStringMap,
  isUuid,
  BASE64_PADDED,
  Types,
  type WireRecord,
  type WireStatus,
} from './streamkit-wire.js';

interface SegmentHead {
  lastSequence: number;
  lastTrxNumber: number;
  firstTimestamp: number;
  lastTimestamp: number;
  firstSequence: number;
}

interface Accepted {
  space: string;
  segment: string;
  status: Promise<WireStatus>;
}

function bad(text: string): RpcCloseError {
  return new RpcCloseError(4000, text);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the records of a produce (§4.1, §3 limits); throws 4000 naming the record. */
function checkRecords(records: unknown): WireRecord[] {
  if (!Array.isArray(records) || records.length < 1 || records.length > 10_000) {
    throw bad('records must be an array of 1 to 10000 records');
  }
  let total = 0;
  records.forEach((r: unknown, i) => {
    if (!isObject(r)) throw bad(`record ${i} is not an object`);
    if ('data' in r === 'data_b64' in r) throw bad(`record ${i} needs exactly one of data and data_b64`);
    if ('data_b64' in r && (typeof r['data_b64'] !== 'string' || !BASE64_PADDED.test(r['data_b64']))) {
      throw bad(`record ${i}: data_b64 is not padded base64`);
    }
    if ('metadata' in r && !isStringMap(r['metadata']))
      throw bad(`record ${i}: metadata is not an object of strings`);
    if ('sequence' in r && !isInt(r['sequence'], 1))
      throw bad(`record ${i}: sequence is not an integer >= 1`);
    const size = Buffer.byteLength(JSON.stringify(r)) + 400;
    if (size > 1024 * 1024) throw bad(`record ${i} is larger than 1 MiB`);
    total += size;
  });
  if (total > 16 * 1024 * 1024) throw bad('the transaction is larger than 16 MiB');
  return records as WireRecord[];
}

/** A test authority of one store on `messenger`. */
export class TestAuthority {
  readonly store: string;
  readonly #messenger: Messenger;
  readonly #dataDir: string;
  readonly #heads = new Map<string, SegmentHead>();
  readonly #lastPosition = new Map<string, number>();
  readonly #accepted = new Map<string, Accepted>();
  #lastTimestamp = 0;
  /** Leases and workers, when served: produces are then fenced by its leases. */
  coordinator: TestCoordinator | undefined;
  /** Resync requests served (their bodies). */
  readonly resyncs: unknown[] = [];
  /** Changes the frames of the n-th resync answer (from 1), to test what a replica does with them. */
  tamper: ((frames: string[][], n: number) => string[][]) | undefined;

  private constructor(messenger: Messenger, dataDir: string, store: string) {
    this.#messenger = messenger;
    this.#dataDir = dataDir;
    this.store = store;
  }

  /** Serves produce, peek and resync of `store` with `rpc`. */
  static async open(
    messenger: Messenger,
    dataDir: string,
    rpc: StreamRpc,
    store: string,
  ): Promise<TestAuthority> {
    const a = new TestAuthority(messenger, dataDir, store);
    const req = channels.requests(store);
    await rpc.serve(req, Types.produce, async (r, w) => w.write(await a.#produce(r.body)));
    await rpc.serve(req, Types.peek, (r, w) => w.write(a.#peek(r.body)));
    await rpc.serve(req, Types.resync, async (r, w) => {
      a.resyncs.push(r.body);
      const frames = a.#resync(r.body);
      for (const lines of a.tamper?.(frames, a.resyncs.length) ?? frames) await w.write({ lines });
    });
    return a;
  }

  /** The space as this authority's channel holds it (read by the independent reader). */
  reader(space: string): SpaceReader {
    return new SpaceReader(space, this.#messenger.name, false).feed(
      channelLines(this.#dataDir, channels.space(this.store, space)),
    );
  }

  async #produce(body: unknown): Promise<WireStatus> {
    if (!isObject(body)) throw bad('the body is not an object');
    const { space, segment, trx_id: trxId, expected_last_sequence: expected } = body;
    if (typeof space !== 'string' || !isSpaceName(space))
      throw bad(`space ${JSON.stringify(space)} is invalid`);
    if (typeof segment !== 'string' || !isSegment(segment)) throw bad('segment is invalid');
    if (!isUuid(trxId)) throw bad('trx_id is not a UUID');
    if (expected !== 'any' && !isInt(expected, 0)) throw bad('expected_last_sequence is invalid');
    const known = this.#accepted.get(trxId);
    if (known !== undefined) {
      if (known.space !== space || known.segment !== segment)
        throw bad(`trx_id ${trxId} names another segment`);
      return known.status;
    }
    const records = checkRecords(body['records']);
    const fence = body['expected_fence'];
    if (fence !== undefined) {
      const f = fence as { key: unknown; fence: unknown };
      if (!isObject(fence) || typeof f.key !== 'string' || f.key === '' || !isInt(f.fence, 1)) {
        throw bad('expected_fence must be {"key": a lease key, "fence": an integer >= 1}');
      }
      const stale =
        this.coordinator === undefined
          ? new RpcCloseError(4010, JSON.stringify({ key: f.key, expected: f.fence, actual: 0, held: false }))
          : this.coordinator.staleFence(f.key, f.fence);
      if (stale !== undefined) throw stale;
    }
    const key = `${space}\u0000${segment}`;
    const head = this.#heads.get(key);
    const last = head?.lastSequence ?? 0;
    const mismatch = (e: number): RpcCloseError =>
      new RpcCloseError(4009, JSON.stringify({ expected: e, actual: last, where: `${space}/${segment}` }));
    if (expected !== 'any' && expected !== last) throw mismatch(expected);
    records.forEach((r, i) => {
      if (r.sequence !== undefined && r.sequence !== last + 1 + i) throw mismatch(r.sequence - 1 - i);
    });
    const timestamp = Math.max(Date.now(), this.#lastTimestamp);
    this.#lastTimestamp = timestamp;
    const firstPosition = (this.#lastPosition.get(space) ?? 0) + 1;
    this.#lastPosition.set(space, firstPosition + records.length - 1);
    const next: SegmentHead = {
      lastSequence: last + records.length,
      lastTrxNumber: (head?.lastTrxNumber ?? 0) + 1,
      firstSequence: head?.firstSequence ?? 1,
      firstTimestamp: head?.firstTimestamp ?? timestamp,
      lastTimestamp: timestamp,
    };
    this.#heads.set(key, next);
    const payloads = entryPayloads(
      {
        channel: channels.space(this.store, space),
        origin: this.#messenger.name,
        segment,
        firstSequence: last + 1,
        firstPosition,
        timestamp,
        trxId,
        trxNumber: next.lastTrxNumber,
      },
      records,
    );
    const status = this.#messenger
      .publishBatch(
        channels.space(this.store, space),
        payloads.map((payload) => ({ payloadType: Types.entry, payload, correlationId: trxId })),
      )
      .then((): WireStatus => ({
        space,
        segment,
        first_sequence: next.firstSequence,
        first_timestamp: next.firstTimestamp,
        last_sequence: next.lastSequence,
        last_timestamp: next.lastTimestamp,
      }));
    this.#accepted.set(trxId, { space, segment, status });
    return status;
  }

  /**
   * Writes `found` entries of a transaction of `count` and then its abort marker (§2.2), as the
   * authority does at open after a crash tore the append; the positions stay free for the next one.
   */
  async writeTorn(space: string, segment: string, count: number, found: number): Promise<string> {
    const trxId = randomUUID();
    const key = `${space}\u0000${segment}`;
    const head = this.#heads.get(key);
    const firstPosition = (this.#lastPosition.get(space) ?? 0) + 1;
    const records = Array.from({ length: count }, (_, i) => ({ data: { torn: i } }));
    const channel = channels.space(this.store, space);
    const payloads = entryPayloads(
      {
        channel,
        origin: this.#messenger.name,
        segment,
        firstSequence: (head?.lastSequence ?? 0) + 1,
        firstPosition,
        timestamp: Math.max(Date.now(), this.#lastTimestamp),
        trxId,
        trxNumber: (head?.lastTrxNumber ?? 0) + 1,
      },
      records,
    ).slice(0, found);
    await this.#messenger.publishBatch(
      channel,
      payloads.map((payload) => ({ payloadType: Types.entry, payload, correlationId: trxId })),
    );
    await this.#messenger.publish(
      channel,
      Types.abort,
      { trx_id: trxId, segment, position: firstPosition, count, found },
      { correlationId: trxId },
    );
    return trxId;
  }

  #peek(body: unknown): Record<string, unknown> {
    if (!isObject(body)) throw bad('the body is not an object');
    const { space, segment } = body;
    if (typeof space !== 'string' || !isSpaceName(space)) throw bad('space is invalid');
    if (typeof segment !== 'string' || !isSegment(segment)) throw bad('segment is invalid');
    const last = this.reader(space).consumeSegment(segment).at(-1);
    if (last === undefined) {
      return {
        space,
        segment,
        sequence: 0,
        position: 0,
        timestamp: 0,
        trx: { id: '', number: 0, index: 0, count: 0 },
        origin: this.#messenger.name,
      };
    }
    const { line: _line, ...entry } = last;
    return { space, ...entry };
  }

  /** The answer's frames: lines of positions after+1 … min(until, last), 100 a frame. */
  #resync(body: unknown): string[][] {
    if (!isObject(body)) throw bad('the body is not an object');
    const { space, after, until } = body;
    if (typeof space !== 'string' || !isSpaceName(space)) throw bad('space is invalid');
    if (!isInt(after, 0) || !isInt(until, 1) || after >= until)
      throw bad('after and until must be whole numbers, 0 <= after < until');
    if (until - after > 10_000) throw bad('more than 10000 positions');
    const lines = this.reader(space)
      .visible.filter((e) => e.position > after && e.position <= until)
      .map((e) => e.line);
    const frames: string[][] = [];
    for (let i = 0; i < lines.length; i += 100) frames.push(lines.slice(i, i + 100));
    return frames;
  }
}
