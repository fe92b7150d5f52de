/**
 * A streamkit requester written from docs/conventions/streamkit.md alone (§4, §4.4, §7.1, §8.3, §9.2):
 * it speaks the request bodies and reads the answers and close codes, over rpc (our `StreamRpc` is the
 * transport; the streamkit layer above it is this file's own).
 */
import { randomUUID } from 'node:crypto';
import { RpcCloseError, type StreamRpc } from '../../src/index.js';
import { channels, Types, type WireRecord } from './streamkit-wire.js';

/** How a stream ended: its data frames, the close code (1000 normal) and text. */
export interface Answer {
  frames: unknown[];
  code: number;
  text: string;
}

/** A produce body (§4.1); fields are given as they travel, so tests can break any of them. */
export interface ProduceBody {
  space?: unknown;
  segment?: unknown;
  expected_last_sequence?: unknown;
  trx_id?: unknown;
  records?: unknown;
  expected_fence?: unknown;
}

/** The streamkit requests of one store, over `rpc`. */
export class SkRequester {
  readonly store: string;
  readonly #rpc: StreamRpc;

  constructor(rpc: StreamRpc, store: string) {
    this.#rpc = rpc;
    this.store = store;
  }

  /** Sends `type` with `body` on the store's request channel; collects the whole answer. */
  async call(
    type: string,
    body: unknown,
    options: { timeoutMs?: number; window?: number } = {},
  ): Promise<Answer> {
    const frames: unknown[] = [];
    try {
      for await (const f of this.#rpc.openStream(channels.requests(this.store), type, body, {
        timeoutMs: options.timeoutMs ?? 10_000,
        ...(options.window === undefined ? {} : { window: options.window }),
      })) {
        frames.push(f);
      }
      return { frames, code: 1000, text: '' };
    } catch (err) {
      if (err instanceof RpcCloseError) return { frames, code: err.closeCode, text: err.text };
      throw err;
    }
  }

  /** A produce (§4.1) with the given body. */
  produce(body: ProduceBody): Promise<Answer> {
    return this.call(Types.produce, body);
  }

  /** A well-formed produce of `records` expecting `expected`, with a new trx id (and `extra` fields). */
  produceRecords(
    space: string,
    segment: string,
    records: readonly WireRecord[],
    expected: number | 'any',
    extra: ProduceBody = {},
  ): Promise<Answer> {
    return this.produce({ ...produceBody(space, segment, records, expected), ...extra });
  }

  /** peek through the authority (§4.4). */
  peek(space: unknown, segment: unknown): Promise<Answer> {
    return this.call(Types.peek, { space, segment });
  }

  /** resync (§7.1 step 3). */
  resync(body: unknown): Promise<Answer> {
    return this.call(Types.resync, body);
  }
}

/** A well-formed produce body with a new trx id. */
export function produceBody(
  space: string,
  segment: string,
  records: readonly WireRecord[],
  expected: number | 'any',
): ProduceBody & { trx_id: string } {
  return { space, segment, expected_last_sequence: expected, trx_id: randomUUID(), records };
}

/** The JSON of a close text (4009–4012 carry JSON, §6). */
export function closeJson(a: Answer): Record<string, unknown> {
  return JSON.parse(a.text) as Record<string, unknown>;
}
