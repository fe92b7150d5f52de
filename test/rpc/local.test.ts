import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CloseCode,
  ErrorCode,
  Messenger,
  RpcCloseError,
  StreamRpc,
  hasErrorCode,
  type RpcWriter,
} from '../../src/index.js';
import { deferred } from '../support/deferred.js';
import { FakeClock } from '../support/fake-clock.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

const open: { close(): Promise<void> }[] = [];

async function instance(clock?: FakeClock): Promise<{ messenger: Messenger; rpc: StreamRpc }> {
  const messenger = await Messenger.open(
    { name: 'node-a', storage: { dataDir: tempDir(), syncPolicy: 'none' } },
    clock === undefined ? {} : { clock },
  );
  const rpc = await StreamRpc.open(messenger);
  open.push(messenger, rpc);
  return { messenger, rpc };
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function closeError(iterable: AsyncIterable<unknown>): Promise<RpcCloseError> {
  try {
    await drain(iterable);
  } catch (err) {
    if (err instanceof RpcCloseError) return err;
    throw err;
  }
  throw new Error('the stream ended normally');
}

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe('StreamRpc on one instance', () => {
  it('streams data items in order and ends on close 1000', async () => {
    const { rpc } = await instance();
    await rpc.serve<{ n: number }>('count.req', 'count.v1', async (req, writer) => {
      for (let i = 1; i <= req.body.n; i++) await writer.write({ i });
    });
    expect(await drain(rpc.openStream('count.req', 'count.v1', { n: 5 }))).toEqual([
      { i: 1 },
      { i: 2 },
      { i: 3 },
      { i: 4 },
      { i: 5 },
    ]);
    expect(await rpc.request('count.req', 'count.v1', { n: 2 })).toEqual({ i: 1 });
    expect(await rpc.request('count.req', 'count.v1', { n: 0 })).toBeUndefined();
  });

  it('uses the inbox of the instance and writes frames as the convention says', async () => {
    const { messenger, rpc } = await instance();
    expect(rpc.inbox).toBe('_inbox.node-a');
    const frames = collector();
    await messenger.subscribe('_inbox.node-a', 'spy', frames.handler);
    const requests = collector();
    await messenger.subscribe('echo.req', 'spy', requests.handler);
    await rpc.serve('echo.req', 'echo.v1', (req, writer) => writer.write(req.body));
    const stream = rpc.openStream('echo.req', 'echo.v1', 'hi', { keepaliveMs: 5000, window: 8 });
    expect(await drain(stream)).toEqual(['hi']);
    await frames.waitFor(2);
    const request = requests.messages[0]!;
    expect(request.correlationId).toBe(stream.id);
    expect(request.origin).toBe('node-a');
    expect(request.payload).toMatchObject({
      reply_to: '_inbox.node-a',
      keepalive_ms: 5000,
      window: 8,
      body: 'hi',
    });
    const [data, close] = frames.messages;
    expect(data).toMatchObject({
      payloadType: 'rpc.data.v1',
      correlationId: stream.id,
      payload: { seq: 1, data: 'hi' },
    });
    expect(close).toMatchObject({ payloadType: 'rpc.close.v1', payload: { seq: 2, code: 1000, text: '' } });
  });

  it('raises 4000 and 5000 with code and text, and 4004 for a type nobody serves', async () => {
    const { rpc } = await instance();
    await rpc.serve('svc.req', 'bad.v1', () => {
      throw new RpcCloseError(CloseCode.BAD_REQUEST, 'field x', 'missing');
    });
    await rpc.serve('svc.req', 'boom.v1', async (_req, writer) => {
      await writer.write(1);
      throw new Error('disk on fire');
    });
    const bad = await closeError(rpc.openStream('svc.req', 'bad.v1', {}));
    expect([bad.closeCode, bad.text, bad.retryable, bad.code]).toEqual([
      4000,
      'field x: missing',
      false,
      ErrorCode.RPC_CLOSED,
    ]);
    const items: unknown[] = [];
    const boom = await closeError(
      (async function* () {
        for await (const item of rpc.openStream('svc.req', 'boom.v1', {})) {
          items.push(item);
          yield item;
        }
      })(),
    );
    expect(items).toEqual([1]);
    expect([boom.closeCode, boom.text]).toEqual([5000, 'disk on fire']);
    expect((await closeError(rpc.openStream('svc.req', 'nobody.v1', {}))).closeCode).toBe(4004);
  });

  it('closes with the code a handler chooses', async () => {
    const { rpc } = await instance();
    await rpc.serve('svc.req', 'x.v1', async (_req, writer: RpcWriter) => {
      await writer.closeWithCode(4090, 'conflict', 'again');
      await writer.close();
    });
    const err = await closeError(rpc.openStream('svc.req', 'x.v1', {}));
    expect([err.closeCode, err.text]).toEqual([4090, 'conflict: again']);
  });

  it('refuses options that are not whole positive numbers, naming them', async () => {
    const { rpc } = await instance();
    for (const options of [{ timeoutMs: Infinity }, { window: 0 }, { keepaliveMs: 1.5 }]) {
      let thrown: unknown;
      try {
        rpc.openStream('svc.req', 'x.v1', {}, options);
      } catch (err) {
        thrown = err;
      }
      expect(hasErrorCode(thrown, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      expect((thrown as Error).message).toContain(Object.keys(options)[0]);
    }
    expect(() => rpc.openStream('svc.req', 'rpc.data.v1', {})).toThrow(/reserved prefix/);
    // A JavaScript caller's missing type is a 4000 naming it, not a TypeError.
    const untyped = rpc as unknown as {
      openStream(channel: string, type: unknown, body: unknown): unknown;
      serve(channel: string, type: unknown, handler: unknown): Promise<unknown>;
    };
    expect(() => untyped.openStream('svc.req', undefined, {})).toThrow(
      /4000 \(bad request\): request type must be a string, not undefined/,
    );
    await expect(untyped.serve('svc.req', 7, () => undefined)).rejects.toThrow(
      /request type must be a string, not number/,
    );
  });

  it('ends a stream whose frame cannot be read with 1003', async () => {
    const { messenger, rpc } = await instance();
    const requests = collector();
    await messenger.subscribe('raw.req', 'spy', requests.handler);
    const stream = rpc.openStream('raw.req', 'raw.v1', {});
    await requests.waitFor(1);
    await messenger.publish(
      '_inbox.node-a',
      'rpc.data.v1',
      { seq: 'one', run: 'r' },
      { correlationId: stream.id },
    );
    const err = await closeError(stream);
    expect(err.closeCode).toBe(1003);
    expect(err.text).toContain('seq');
  });

  it('gives 50 concurrent streams only their own frames, in order', async () => {
    const { rpc } = await instance();
    await rpc.serve<{ k: number }>('many.req', 'many.v1', async (req, writer) => {
      for (let i = 0; i < 20; i++) await writer.write(`${req.body.k}:${i}`);
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, k) => drain(rpc.openStream<string>('many.req', 'many.v1', { k }))),
    );
    results.forEach((items, k) => {
      expect(items).toEqual(Array.from({ length: 20 }, (_, i) => `${k}:${i}`));
    });
  });

  it('does not let a slow stream delay the others: the server waits for credit', async () => {
    const { rpc } = await instance();
    let slowWritten = 0;
    await rpc.serve('slow.req', 'firehose.v1', async (_req, writer) => {
      for (let i = 0; i < 100; i++) {
        await writer.write(i);
        slowWritten = i + 1;
      }
    });
    await rpc.serve('slow.req', 'one.v1', (_req, writer) => writer.write('quick'));
    const slow = rpc.openStream<number>('slow.req', 'firehose.v1', {}, { window: 4 });
    expect(await slow.next()).toEqual({ done: false, value: 0 });
    // The slow reader took one item: the server stops at the window until more credit comes.
    await vi.waitFor(() => {
      expect(slowWritten).toBe(4);
    });
    expect(await rpc.request('slow.req', 'one.v1', {})).toBe('quick');
    expect(slowWritten).toBe(4);
    const rest: number[] = [];
    for await (const item of slow) rest.push(item);
    expect(rest).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
  });

  it('aborts the handler when the requester cancels, and sends nothing more', async () => {
    const { messenger, rpc } = await instance();
    const handlerAborted = deferred<unknown>();
    await rpc.serve('tail.req', 'tail.v1', async (_req, writer) => {
      await writer.write('first');
      writer.signal.addEventListener('abort', () => {
        handlerAborted.resolve(writer.signal.reason);
      });
      await new Promise(() => undefined);
    });
    const frames = collector();
    await messenger.subscribe('_inbox.node-a', 'spy', frames.handler);
    const controller = new AbortController();
    const stream = rpc.openStream('tail.req', 'tail.v1', {}, { signal: controller.signal });
    expect((await stream.next()).value).toBe('first');
    controller.abort(new Error('user left'));
    await expect(stream.next()).rejects.toThrow('user left');
    const reason = await handlerAborted.promise;
    expect(hasErrorCode(reason, ErrorCode.RPC_CANCELLED)).toBe(true);
    expect(rpc.stats().serving).toBe(0);
    expect(frames.messages.map((m) => m.payloadType)).toEqual(['rpc.data.v1']);
  });

  it('cancels the stream when the reader stops early', async () => {
    const { rpc } = await instance();
    const aborted = deferred();
    await rpc.serve('inf.req', 'inf.v1', async (_req, writer) => {
      writer.signal.addEventListener('abort', () => {
        aborted.resolve();
      });
      for (let i = 0; ; i++) await writer.write(i);
    });
    for await (const item of rpc.openStream<number>('inf.req', 'inf.v1', {})) if (item === 3) break;
    await aborted.promise;
    expect(rpc.stats().requesting).toBe(0);
  });

  it('serves a request retried with the same stream id once', async () => {
    const { messenger, rpc } = await instance();
    let calls = 0;
    await rpc.serve('once.req', 'once.v1', (_req, writer) => {
      calls++;
      return writer.write('done');
    });
    const stream = rpc.openStream(
      'once.req',
      'once.v1',
      {},
      { streamId: '0b7e3f4e-2c43-4d59-9d0e-0d3a2c1b4a5f' },
    );
    expect(await drain(stream)).toEqual(['done']);
    await messenger.publish(
      'once.req',
      'once.v1',
      { reply_to: '_inbox.node-a', deadline_ms: Date.now() + 60_000 },
      { correlationId: stream.id },
    );
    const after = await rpc.request('once.req', 'once.v1', {});
    expect(after).toBe('done');
    expect(calls).toBe(2);
    expect(rpc.stats().duplicates).toBe(1);
  });

  it('never serves a request whose deadline passed', async () => {
    const { messenger, rpc } = await instance();
    let calls = 0;
    await rpc.serve('late.req', 'late.v1', () => {
      calls++;
    });
    await messenger.publish(
      'late.req',
      'late.v1',
      { reply_to: '_inbox.node-a', deadline_ms: Date.now() - 1 },
      { correlationId: 'c1d2e3f4-0000-4000-8000-000000000001' },
    );
    await rpc.request('late.req', 'late.v1', {});
    expect(calls).toBe(1);
    expect(rpc.stats().expired).toBe(1);
  });

  it('serves requests queued before the server started, and closes open streams with 1001 on shutdown', async () => {
    const { messenger, rpc } = await instance();
    const stream = rpc.openStream('later.req', 'later.v1', {});
    const server = await StreamRpc.open(messenger).catch((err: unknown) => err);
    // One StreamRpc per instance: the durable readers are taken.
    expect(hasErrorCode(server, ErrorCode.SUBSCRIBER_EXISTS)).toBe(true);
    const started = deferred();
    const service = await rpc.serve('later.req', 'later.v1', async (_req, writer) => {
      await writer.write('working');
      started.resolve();
      await new Promise(() => undefined);
    });
    expect((await stream.next()).value).toBe('working');
    await started.promise;
    await service.stop();
    const err = await closeError(stream);
    expect([err.closeCode, err.retryable]).toEqual([1001, true]);
  });
});

describe('StreamRpc timing, with a fake clock', () => {
  it('ends a silent stream with a local 1006 after three keepalive intervals, and keepalives hold it open', async () => {
    const clock = new FakeClock(Date.now());
    const { messenger, rpc } = await instance(clock);
    await rpc.serve('quiet.req', 'quiet.v1', () => new Promise(() => undefined));
    const frames = collector();
    await messenger.subscribe('_inbox.node-a', 'spy', frames.handler);
    const kept = rpc.openStream('quiet.req', 'quiet.v1', {}, { keepaliveMs: 1000, timeoutMs: 600_000 });
    const silent = rpc.openStream('nobody.req', 'quiet.v1', {}, { keepaliveMs: 1000, timeoutMs: 600_000 });
    await vi.waitFor(() => {
      expect(rpc.stats().serving).toBe(1);
    });
    for (let i = 1; i <= 5; i++) {
      await clock.advance(1000);
      await frames.waitFor(i);
    }
    expect(frames.messages.map((m) => m.payload)).toEqual(Array(5).fill({ streams: [kept.id] }));
    expect(frames.messages[0]?.payloadType).toBe('rpc.keepalive.v1');
    const err = await closeError(silent);
    expect([err.closeCode, err.retryable]).toEqual([1006, true]);
    expect(kept.isEnded).toBe(false);
    const late = rpc.openStream('nobody.req', 'quiet.v1', {}, { keepaliveMs: 60_000, timeoutMs: 2000 });
    await clock.advance(2000);
    expect((await closeError(late)).closeCode).toBe(4008);
  });

  it('aborts the handler at the deadline and closes with 4008', async () => {
    const clock = new FakeClock(Date.now());
    const { messenger, rpc } = await instance(clock);
    const aborted = deferred<unknown>();
    await rpc.serve('slow.req', 'slow.v1', async (_req, writer) => {
      writer.signal.addEventListener('abort', () => {
        aborted.resolve(writer.signal.reason);
      });
      await new Promise(() => undefined);
    });
    const frames = collector();
    await messenger.subscribe('_inbox.elsewhere', 'spy', frames.handler);
    const request = { reply_to: '_inbox.elsewhere', deadline_ms: clock.now() + 5000, keepalive_ms: 60_000 };
    await messenger.publish('slow.req', 'slow.v1', request, {
      correlationId: 'c1d2e3f4-0000-4000-8000-000000000002',
    });
    await vi.waitFor(() => {
      expect(rpc.stats().serving).toBe(1);
    });
    await clock.advance(5000);
    const reason = await aborted.promise;
    expect(reason).toBeInstanceOf(RpcCloseError);
    expect((reason as RpcCloseError).closeCode).toBe(4008);
    await frames.waitFor(1);
    expect(frames.messages[0]).toMatchObject({
      payloadType: 'rpc.close.v1',
      payload: { seq: 1, code: 4008 },
    });
  });
});
