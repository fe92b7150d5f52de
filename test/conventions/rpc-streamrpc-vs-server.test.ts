/**
 * Our StreamRpc requester against the independent server (written from
 * docs/conventions/streaming-rpc.md alone), and against raw frames a server could send, on one real
 * Messenger: every rule of the document a requester must follow (§3.1, §3.5, §3.6, §7).
 */
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../support/closing.js';
import { deferred } from '../support/deferred.js';
import {
  closeErrorOf,
  drain,
  messengerNamed,
  rawReaderOf,
  recordOf,
  sendClose,
  sendData,
  streamRpcOn,
} from './rpc-fixtures.js';
import { RawCloseError, RawServer, type RawHandler } from './rpc-server.js';
import { Code, inboxOf, isRetryable, RpcType } from './rpc-wire.js';
import type { RawRecord } from './raw.js';

/** A handler that writes 'started', then waits until its stream is aborted, then calls `aborted`. */
function startsThenWaits(aborted: () => void = () => undefined): RawHandler {
  return async (_req, writer) => {
    await writer.write('started');
    await new Promise((resolve) => {
      writer.signal.addEventListener('abort', resolve);
    });
    aborted();
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('StreamRpc as a requester, against the independent server', () => {
  const closing = closedAfterEach();

  async function setUp(handlers: Record<string, RawHandler> = {}, name = 'requester-1') {
    const messenger = await messengerNamed(closing, name);
    const server = await RawServer.open(messenger, 'svc.req', handlers);
    closing.push(server);
    const rpc = await streamRpcOn(closing, messenger);
    const requests = await rawReaderOf(closing, messenger, 'svc.req', 'raw-watch-requests');
    return { messenger, server, rpc, requests };
  }

  it('publishes a request with every field of §3.1 and reads data frames in order to close 1000', async () => {
    const { server, rpc, requests } = await setUp({
      'svc.list.v1': async (req, writer) => {
        for (let i = 1; i <= 5; i++) await writer.write({ i, of: req.body });
      },
    });
    const before = Date.now();
    const { items, error } = await drain(
      rpc.openStream(
        'svc.req',
        'svc.list.v1',
        { who: 'acme' },
        { timeoutMs: 20_000, keepaliveMs: 5_000, window: 8 },
      ),
    );
    expect(error).toBeUndefined();
    expect(items).toEqual([1, 2, 3, 4, 5].map((i) => ({ i, of: { who: 'acme' } })));
    const request = requests.records.find((r) => r.payloadType === 'svc.list.v1')!;
    expect(request.correlationId).toMatch(UUID);
    expect(request.payload).toEqual({
      reply_to: rpc.inbox,
      deadline_ms: expect.any(Number) as number,
      keepalive_ms: 5_000,
      window: 8,
      body: { who: 'acme' },
    });
    const { deadline_ms: deadlineMs } = request.payload as { deadline_ms: number };
    expect(Number.isSafeInteger(deadlineMs)).toBe(true);
    expect(deadlineMs).toBeGreaterThanOrEqual(before + 20_000);
    expect(deadlineMs).toBeLessThanOrEqual(Date.now() + 20_000);
    expect(server.started.map((r) => r.streamId)).toEqual([request.correlationId]);
    expect(server.closes).toEqual([{ id: request.correlationId, code: 1000, text: '' }]);
  });

  it('throws RpcCloseError with the code and text of every close code, retryable as §4 says', async () => {
    const { rpc, server } = await setUp({
      'svc.code.v1': (req) => {
        const { code } = req.body as { code: number };
        throw new RawCloseError(code, `closed with ${code}`);
      },
      'svc.fail.v1': () => {
        throw new Error('handler failed');
      },
      'svc.bad.v1': async (_req, writer) => {
        await writer.write('one');
        await writer.close(4000, 'customer is required');
      },
    });
    for (const code of [1001, 4000, 4004, 4008, 4123, 5000, 5003]) {
      const err = await closeErrorOf(rpc.openStream('svc.req', 'svc.code.v1', { code }));
      expect({ code: err.closeCode, text: err.text, retryable: err.retryable }).toEqual({
        code,
        text: `closed with ${code}`,
        retryable: isRetryable(code),
      });
    }
    expect((await closeErrorOf(rpc.openStream('svc.req', 'svc.fail.v1', null))).closeCode).toBe(5000);
    const partial = await drain(rpc.openStream('svc.req', 'svc.bad.v1', null));
    expect(partial.items).toEqual(['one']);
    expect(partial.error).toMatchObject({ closeCode: 4000, text: 'customer is required', retryable: false });
    const noHandler = await closeErrorOf(rpc.openStream('svc.req', 'svc.none.v1', null));
    expect(noHandler.closeCode).toBe(4004);
    expect(server.closes.at(-1)).toMatchObject({ code: 4004 });
  });

  it('is served once when it publishes a request again with the same stream id (§7.4)', async () => {
    const { rpc, server } = await setUp({ 'svc.once.v1': (_req, writer) => writer.write('once') });
    const streamId = '5b0c8a7e-2d1f-4c3b-9e6a-7f8d9c0b1a2e';
    expect(await drain(rpc.openStream('svc.req', 'svc.once.v1', null, { streamId }))).toEqual({
      items: ['once'],
    });
    const again = await closeErrorOf(
      rpc.openStream('svc.req', 'svc.once.v1', null, { streamId, keepaliveMs: 100 }),
    );
    expect(again.closeCode).toBe(1006);
    await server.until(() => server.refused.length > 0);
    expect(server.started).toHaveLength(1);
    expect(server.refused.map((r) => [r.reason, r.record.correlationId])).toEqual([['seen', streamId]]);
  });

  it('grants credit at half its window as it consumes: consumed + window', async () => {
    const { rpc, requests } = await setUp({
      'svc.many.v1': async (_req, writer) => {
        for (let i = 1; i <= 20; i++) await writer.write(i);
      },
    });
    const stream = rpc.openStream<number>('svc.req', 'svc.many.v1', null, { window: 4 });
    const items: number[] = [];
    for await (const item of stream) items.push(item);
    expect(items).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const credits = requests.records
      .filter(recordOf(RpcType.credit, stream.id))
      .map((r) => (r.payload as { up_to_seq: number }).up_to_seq);
    // Half of 4 consumed since the last grant: at 2 → 6, 4 → 8, … (the last ones may race the close).
    expect(credits.slice(0, 8)).toEqual([6, 8, 10, 12, 14, 16, 18, 20]);
  });

  it('cancels at the server when the caller stops reading: the handler is aborted and nothing more is sent', async () => {
    const aborted = deferred();
    const { rpc, server, requests } = await setUp({
      'svc.forever.v1': async (_req, writer) => {
        writer.signal.addEventListener('abort', () => {
          aborted.resolve();
        });
        for (let i = 1; ; i++) await writer.write(i);
      },
    });
    const stream = rpc.openStream('svc.req', 'svc.forever.v1', null, { window: 4 });
    for await (const item of stream) if (item === 2) break;
    const cancel = await requests.first(recordOf(RpcType.cancel, stream.id));
    expect(typeof (cancel.payload as { reason: unknown }).reason).toBe('string');
    await aborted.promise;
    expect(server.closes.filter((c) => c.id === stream.id)).toEqual([]);
    expect(server.openStreams).toEqual([]);
  });

  it('cancels at the server when the signal aborts', async () => {
    const { rpc, requests } = await setUp({
      'svc.forever.v1': async (_req, writer) => {
        await new Promise((resolve) => {
          writer.signal.addEventListener('abort', resolve);
        });
      },
    });
    const controller = new AbortController();
    const stream = rpc.openStream('svc.req', 'svc.forever.v1', null, { signal: controller.signal });
    await requests.first((r) => r.payloadType === 'svc.forever.v1');
    controller.abort(new Error('user left'));
    expect((await drain(stream)).error).toMatchObject({ message: 'user left' });
    await requests.first(recordOf(RpcType.cancel, stream.id));
  });

  it('keeps a silent stream open on keepalives, with its silence limit judged on the clamped interval', async () => {
    // keepaliveMs 20 asks for keepalives every 20 ms; a server clamps that to 100 ms (§3.1), so a
    // requester that waited 3 × 20 ms would end the stream with 1006 before the first keepalive.
    const { rpc, server } = await setUp({
      'svc.quiet.v1': async (req) => {
        // Five keepalives span 500 ms, past the silence limit of 3 × 100 ms: each one restarted it.
        await server.until(
          () => server.keepalives.filter((k) => k.streams.includes(req.streamId)).length >= 5,
        );
      },
    });
    const { items, error } = await drain(
      rpc.openStream('svc.req', 'svc.quiet.v1', null, { keepaliveMs: 20 }),
    );
    expect(error).toBeUndefined();
    expect(items).toEqual([]);
  });

  it('ends with a retryable local 1006 when nothing answers for 3 keepalive intervals, and cancels', async () => {
    const { messenger, rpc } = await setUp();
    const requests = await rawReaderOf(closing, messenger, 'nobody.req', 'raw-watch-nobody');
    const stream = rpc.openStream('nobody.req', 'svc.nobody.v1', null, { keepaliveMs: 100 });
    const started = Date.now();
    const err = await closeErrorOf(stream);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect({ code: err.closeCode, retryable: err.retryable }).toEqual({ code: 1006, retryable: true });
    await requests.first(recordOf(RpcType.cancel, stream.id));
  });

  it('ends with a local 4008 at its deadline when the server says nothing, and cancels', async () => {
    const { messenger, rpc } = await setUp();
    const requests = await rawReaderOf(closing, messenger, 'nobody.req', 'raw-watch-nobody');
    const stream = rpc.openStream('nobody.req', 'svc.nobody.v1', null, {
      timeoutMs: 200,
      keepaliveMs: 60_000,
    });
    const err = await closeErrorOf(stream);
    expect({ code: err.closeCode, retryable: err.retryable }).toEqual({ code: 4008, retryable: false });
    await requests.first(recordOf(RpcType.cancel, stream.id));
  });

  it('ends with 4008 from the server when the deadline passes while it serves', async () => {
    const aborted = deferred();
    const { rpc, server } = await setUp({
      'svc.slow.v1': startsThenWaits(() => {
        aborted.resolve();
      }),
    });
    const { items, error } = await drain(rpc.openStream('svc.req', 'svc.slow.v1', null, { timeoutMs: 300 }));
    expect(items).toEqual(['started']);
    expect(error).toMatchObject({ closeCode: 4008 });
    await aborted.promise;
    expect(server.openStreams).toEqual([]);
  });

  it('ends with 1001 when the independent server shuts down', async () => {
    const { rpc, server } = await setUp({ 'svc.slow.v1': startsThenWaits() });
    const stream = rpc.openStream('svc.req', 'svc.slow.v1', null);
    expect(await stream.next()).toEqual({ done: false, value: 'started' });
    await server.close();
    const err = await closeErrorOf(stream);
    expect({ code: err.closeCode, retryable: err.retryable }).toEqual({ code: 1001, retryable: true });
  });

  it('ends its open streams with a local, retryable 1001 when it shuts down, and cancels them', async () => {
    const { rpc, server, requests } = await setUp({ 'svc.slow.v1': startsThenWaits() });
    const stream = rpc.openStream('svc.req', 'svc.slow.v1', null);
    expect(await stream.next()).toEqual({ done: false, value: 'started' });
    await rpc.close();
    const err = await closeErrorOf(stream);
    expect({ code: err.closeCode, retryable: err.retryable }).toEqual({ code: 1001, retryable: true });
    await requests.first(recordOf(RpcType.cancel, stream.id));
    await server.until(() => server.openStreams.length === 0);
    expect(server.closes.filter((c) => c.id === stream.id)).toEqual([]);
  });

  it('publishes the request on the inbox of §2: _inbox.<slug>, with the SHA-1 suffix when the name had to change', async () => {
    const names = [
      'edge-1',
      'host:7741',
      'édge',
      'edge-😀',
      'x'.repeat(249),
      'x'.repeat(248),
      'a.dead-letter',
      '..',
    ];
    for (const name of names) {
      const messenger = await messengerNamed(closing, name);
      const server = await RawServer.open(messenger, 'svc.req', {
        'svc.who.v1': (req, w) => w.write(req.replyTo),
      });
      closing.push(server);
      const rpc = await streamRpcOn(closing, messenger);
      expect({ name, replyTo: await rpc.request('svc.req', 'svc.who.v1', null) }).toEqual({
        name,
        replyTo: inboxOf(name),
      });
    }
    expect(inboxOf('edge-1')).toBe('_inbox.edge-1');
    expect(inboxOf('host:7741')).toMatch(/^_inbox\.host-7741-[0-9a-f]{6}$/);
    expect(inboxOf('edge-😀')).toMatch(/^_inbox\.edge---[0-9a-f]{6}$/);
    expect(Buffer.byteLength(inboxOf('x'.repeat(249)))).toBe(255);
  });
});

describe('StreamRpc as a requester, against raw frames', () => {
  const closing = closedAfterEach();

  /** A requester, and the raw request it publishes for `type` (nobody serves it). */
  async function streamOf(options: { window?: number } = {}) {
    const messenger = await messengerNamed(closing, 'requester-1');
    const rpc = await streamRpcOn(closing, messenger);
    const requests = await rawReaderOf(closing, messenger, 'svc.req', 'raw-watch-requests');
    const stream = rpc.openStream('svc.req', 'svc.script.v1', null, options);
    const request = await requests.first((r) => r.payloadType === 'svc.script.v1');
    const { reply_to: inbox } = request.payload as { reply_to: string };
    const data = (payload: unknown): Promise<string> => sendData(messenger, inbox, stream.id, payload);
    const close = (payload: unknown): Promise<string> => sendClose(messenger, inbox, stream.id, payload);
    const cancelled = (): Promise<RawRecord> => requests.first(recordOf(RpcType.cancel, stream.id));
    return { messenger, rpc, stream, inbox, data, close, cancelled };
  }

  const run = 'c7b0c4d2-8f3e-4b0e-9a57-0d5c3a1e2f40';

  it('drops duplicate frames (seq lower than expected) and ignores unknown fields', async () => {
    const { stream, data, close } = await streamOf();
    await data({ seq: 1, run, data: 'a', future: true });
    await data({ seq: 1, run, data: 'a' });
    await data({ seq: 2, run, data: 'b' });
    await data({ seq: 1, run, data: 'a' });
    await close({ seq: 3, run, code: 1000, text: '', extra: [1, 2] });
    await close({ seq: 3, run, code: 1000, text: '' });
    expect(await drain(stream)).toEqual({ items: ['a', 'b'] });
  });

  it('reads an absent data as null and an absent close text as empty', async () => {
    const { stream, data, close } = await streamOf();
    await data({ seq: 1, run });
    await close({ seq: 2, run, code: 4123 });
    const { items, error } = await drain(stream);
    expect(items).toEqual([null]);
    expect(error).toMatchObject({ closeCode: 4123, text: '' });
  });

  it('delivers every data frame before a close, then ends once: later frames are dropped', async () => {
    const { stream, data, close } = await streamOf();
    await data({ seq: 1, run, data: 1 });
    await data({ seq: 2, run, data: 2 });
    await close({ seq: 3, run, code: 5000, text: 'failed late' });
    await data({ seq: 4, run, data: 'after the close' });
    const { items, error } = await drain(stream);
    expect(items).toEqual([1, 2]);
    expect(error).toMatchObject({ closeCode: 5000, text: 'failed late' });
  });

  it('ends with 1006 on a seq gap, after the frames before it, and cancels', async () => {
    const { stream, data, cancelled } = await streamOf();
    await data({ seq: 1, run, data: 1 });
    await data({ seq: 3, run, data: 3 });
    const { items, error } = await drain(stream);
    expect(items).toEqual([1]);
    expect(error).toMatchObject({ closeCode: 1006, retryable: true });
    await cancelled();
  });

  it('ends with 1006 when a frame comes from another run of the same server', async () => {
    const { stream, data, close, cancelled } = await streamOf();
    await data({ seq: 1, run, data: 1 });
    await data({ seq: 1, run: 'another-run', data: 1 });
    await close({ seq: 2, run: 'another-run', code: 1000, text: '' });
    const { items, error } = await drain(stream);
    expect(items).toEqual([1]);
    expect(error).toMatchObject({ closeCode: 1006, retryable: true });
    await cancelled();
  });

  it('ends with a retryable 4029 on a data frame beyond its credit, and cancels', async () => {
    const { stream, data, cancelled } = await streamOf({ window: 2 });
    await data({ seq: 1, run, data: 1 });
    await data({ seq: 2, run, data: 2 });
    await data({ seq: 3, run, data: 3 });
    // Read nothing before the stream ended: reading would grant credit.
    await cancelled();
    const { items, error } = await drain(stream);
    expect(items).toEqual([1, 2]);
    expect(error).toMatchObject({ closeCode: 4029, retryable: true });
  });

  it.each([
    ['a payload that is not an object', RpcType.data, 'seq 1', 'not a JSON object'],
    ['a seq that is not a number', RpcType.data, { seq: '1', run, data: 1 }, 'seq'],
    ['a seq of 0', RpcType.data, { seq: 0, run, data: 1 }, 'seq'],
    ['a fractional seq', RpcType.data, { seq: 1.5, run, data: 1 }, 'seq'],
    ['no run', RpcType.data, { seq: 1, data: 1 }, 'run'],
    ['a close code that is not a number', RpcType.close, { seq: 1, run, code: '1000', text: '' }, 'code'],
    ['a close text that is not a string', RpcType.close, { seq: 1, run, code: 1000, text: 7 }, 'text'],
  ])('ends with 1003 on %s, naming what is wrong, and cancels', async (_what, type, payload, named) => {
    const { stream, data, close, cancelled } = await streamOf();
    await (type === RpcType.data ? data(payload) : close(payload));
    const err = await closeErrorOf(stream);
    expect({ code: err.closeCode, retryable: err.retryable }).toEqual({
      code: Code.unsupportedData,
      retryable: false,
    });
    expect(err.text).toContain(type);
    expect(err.text).toContain(named);
    await cancelled();
  });

  it('ignores records of other types and frames of other streams on its inbox', async () => {
    const { messenger, stream, inbox, data, close } = await streamOf();
    await sendData(messenger, inbox, '0d8f6a52-3f8a-4f5c-9a1e-5b7e2c1d0a99', { seq: 1, run, data: 'other' });
    await messenger.publish(inbox, 'rpc.future.v2', { seq: 1 }, { correlationId: stream.id });
    await messenger.publish(inbox, 'app.note.v1', 'hello', { correlationId: stream.id });
    await messenger.publish(inbox, RpcType.keepalive, { streams: 'not a list' });
    await data({ seq: 1, run, data: 'mine' });
    await close({ seq: 2, run, code: 1000, text: '' });
    expect(await drain(stream)).toEqual({ items: ['mine'] });
  });
});
