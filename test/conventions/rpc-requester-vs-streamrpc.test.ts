/**
 * The independent requester (written from docs/conventions/streaming-rpc.md alone) against our
 * StreamRpc server, on one real Messenger: every rule of the document a server must follow (§3, §5).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RpcCloseError, type RpcRequest, type RpcWriter } from '../../src/index.js';
import { closedAfterEach } from '../support/closing.js';
import { deferred } from '../support/deferred.js';
import { FakeClock } from '../support/fake-clock.js';
import { messengerNamed, rawReaderOf, recordOf, streamRpcOn } from './rpc-fixtures.js';
import { END, RawRequester } from './rpc-requester.js';
import { publishRaw, type RawRecord } from './raw.js';
import { RpcType } from './rpc-wire.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the independent requester against StreamRpc', () => {
  const closing = closedAfterEach();

  async function setUp(name = 'server-1', clock?: FakeClock) {
    const messenger = await messengerNamed(closing, name);
    const rpc = await streamRpcOn(closing, messenger, clock === undefined ? {} : { clock });
    const requester = await RawRequester.open(messenger);
    closing.push(requester);
    const inbox = await rawReaderOf(closing, messenger, requester.inbox);
    // An echo service: its answer to a request shows every record before it was read (channel order).
    const echo = { served: 0 };
    await rpc.serve('svc.req', 'svc.ok.v1', (req, writer) => {
      echo.served += 1;
      return writer.write(req.body);
    });
    const marker = async (): Promise<void> => {
      const stream = await requester.open('svc.req', 'svc.ok.v1', 'marker');
      expect(await stream.readAll()).toMatchObject({ items: ['marker'], end: { code: 1000 } });
    };
    return { messenger, rpc, requester, inbox, echo, marker };
  }

  it('serves a request: data frames seq 1.. in order with one run, then close 1000 with the next seq', async () => {
    const { rpc, requester, inbox } = await setUp();
    const seen: RpcRequest[] = [];
    await rpc.serve('svc.req', 'svc.list.v1', async (req, writer) => {
      seen.push(req);
      for (let i = 1; i <= 5; i++) await writer.write({ i, of: req.body });
    });
    const deadlineMs = Date.now() + 30_000;
    const stream = await requester.open('svc.req', 'svc.list.v1', { who: 'acme' }, { deadlineMs });
    const { items, end } = await stream.readAll();
    expect(items).toEqual([1, 2, 3, 4, 5].map((i) => ({ i, of: { who: 'acme' } })));
    expect(end).toEqual({ code: 1000, text: '', local: false });
    const frames = inbox.records.filter((r) => r.correlationId === stream.id);
    expect(frames.map((r) => [r.payloadType, (r.payload as { seq: number }).seq])).toEqual([
      ...[1, 2, 3, 4, 5].map((seq) => [RpcType.data, seq]),
      [RpcType.close, 6],
    ]);
    const runs = new Set(frames.map((r) => (r.payload as { run: string }).run));
    expect(runs.size).toBe(1);
    expect([...runs][0]).toMatch(UUID);
    expect(frames.every((r) => r.origin === 'server-1')).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ streamId: stream.id, payloadType: 'svc.list.v1', deadlineMs });
  });

  it('ignores unknown request fields and reads an absent body as null', async () => {
    const { rpc, requester } = await setUp();
    const bodies: unknown[] = [];
    await rpc.serve('svc.req', 'svc.echo.v1', (req, writer) => {
      bodies.push(req.body);
      return writer.write(req.body);
    });
    const withExtra = await requester.open('svc.req', 'svc.echo.v1', 7, {
      extra: { priority: 'high', v2_field: { nested: true } },
    });
    expect(await withExtra.readAll()).toEqual({ items: [7], end: { code: 1000, text: '', local: false } });
    const stream = await requester.open('svc.req', 'svc.echo.v1', undefined, {
      payload: { reply_to: requester.inbox, deadline_ms: Date.now() + 30_000 },
    });
    expect(await stream.readAll()).toEqual({ items: [null], end: { code: 1000, text: '', local: false } });
    const nulls = await requester.open('svc.req', 'svc.echo.v1', null, {
      extra: { keepalive_ms: null, window: null },
    });
    expect(await nulls.readAll()).toEqual({ items: [null], end: { code: 1000, text: '', local: false } });
    expect(bodies).toEqual([7, null, null]);
  });

  it('closes with the handler code and text, and 5000 for any other failure', async () => {
    const { rpc, requester } = await setUp();
    await rpc.serve('svc.req', 'svc.typed.v1', () => {
      throw new RpcCloseError(4321, 'customer unknown');
    });
    await rpc.serve('svc.req', 'svc.explicit.v1', async (_req, writer) => {
      await writer.write('partial');
      await writer.closeWithCode(5003, 'backend down');
    });
    await rpc.serve('svc.req', 'svc.broken.v1', () => {
      throw new Error('boom');
    });
    const typed = await (await requester.open('svc.req', 'svc.typed.v1', null)).readAll();
    expect(typed).toEqual({ items: [], end: { code: 4321, text: 'customer unknown', local: false } });
    const explicit = await (await requester.open('svc.req', 'svc.explicit.v1', null)).readAll();
    expect(explicit).toEqual({ items: ['partial'], end: { code: 5003, text: 'backend down', local: false } });
    const broken = await (await requester.open('svc.req', 'svc.broken.v1', null)).readAll();
    expect(broken.end).toMatchObject({ code: 5000, local: false });
    expect(broken.end.text).toContain('boom');
  });

  it('closes a request with malformed fields with 4000 (seq 1) and an unknown type with 4004', async () => {
    const { requester, inbox } = await setUp();
    const malformed: Record<string, unknown>[] = [
      { window: 0 },
      { window: 2.5 },
      { window: '8' },
      { keepalive_ms: 'often' },
      { keepalive_ms: 1.5 },
      { deadline_ms: 'soon' },
      { deadline_ms: null },
      { deadline_ms: Date.now() + 30_000.5 },
    ];
    for (const fields of malformed) {
      const stream = await requester.open('svc.req', 'svc.ok.v1', null, { extra: fields });
      const { items, end } = await stream.readAll();
      expect({ fields, items, code: end.code, local: end.local }).toEqual({
        fields,
        items: [],
        code: 4000,
        local: false,
      });
      const close = await inbox.first(recordOf(RpcType.close, stream.id));
      expect(close.payload).toMatchObject({ seq: 1, code: 4000 });
      // The text names the field that is wrong.
      expect(end.text).toContain(Object.keys(fields)[0]);
    }
    const unknown = await (await requester.open('svc.req', 'svc.other.v1', null)).readAll();
    expect(unknown).toMatchObject({ items: [], end: { code: 4004, local: false } });
    expect(unknown.end.text).toContain('svc.other.v1');
  });

  it('drops a request it cannot answer (no object, no usable reply_to, no stream id), without serving it', async () => {
    const { messenger, rpc, requester, inbox, echo, marker } = await setUp();
    const deadline = Date.now() + 30_000;
    const dropped = [
      { id: randomUUID(), payload: 'not an object' },
      { id: randomUUID(), payload: ['an', 'array'] },
      { id: randomUUID(), payload: { deadline_ms: deadline } },
      { id: randomUUID(), payload: { reply_to: 'bad name!', deadline_ms: deadline } },
      { id: randomUUID(), payload: { reply_to: 7, deadline_ms: deadline } },
      { id: randomUUID(), payload: { reply_to: `${requester.inbox}.dead-letter`, deadline_ms: deadline } },
      { id: '', payload: { reply_to: requester.inbox, deadline_ms: deadline } },
    ];
    for (const { id, payload } of dropped) await publishRaw(messenger, 'svc.req', 'svc.ok.v1', payload, id);
    // A later version's record on the request channel is ignored, even one shaped like a request.
    const future = { id: randomUUID(), payload: { reply_to: requester.inbox, deadline_ms: deadline } };
    await publishRaw(messenger, 'svc.req', 'rpc.future.v2', future.payload, future.id);
    dropped.push(future);
    await marker();
    expect(echo.served).toBe(1);
    const answered = new Set(inbox.records.map((r) => r.correlationId));
    for (const { id } of dropped) expect(answered.has(id)).toBe(false);
    expect(rpc.stats()).toMatchObject({ unanswerable: 7, expired: 0, served: 1 });
  });

  it('drops a request whose deadline_ms is missing or past, even with other malformed fields: no 4000', async () => {
    const { rpc, requester, inbox, echo, marker } = await setUp();
    const late = [
      await requester.open('svc.req', 'svc.ok.v1', 'no deadline', { deadlineMs: null }),
      await requester.open('svc.req', 'svc.ok.v1', 'past', { deadlineMs: Date.now() - 1 }),
      await requester.open('svc.req', 'svc.ok.v1', 'past, bad window', {
        deadlineMs: Date.now() - 1,
        extra: { window: 0 },
      }),
      await requester.open('svc.req', 'svc.ok.v1', 'no deadline, bad window', {
        deadlineMs: null,
        extra: { window: 0 },
      }),
    ];
    await marker();
    expect(echo.served).toBe(1);
    for (const stream of late) {
      expect(inbox.records.filter((r) => r.correlationId === stream.id)).toEqual([]);
      await stream.cancel();
    }
    expect(rpc.stats()).toMatchObject({ unanswerable: 0, expired: 4, served: 1 });
  });

  it('serves a stream id once: a retried request is dropped', async () => {
    const { rpc, requester, inbox, echo, marker } = await setUp();
    const streamId = randomUUID();
    const first = await requester.open('svc.req', 'svc.ok.v1', 'first', { streamId });
    expect(await first.readAll()).toMatchObject({ items: ['first'], end: { code: 1000 } });
    const retry = await requester.open('svc.req', 'svc.ok.v1', 'retry', { streamId });
    await marker();
    expect(echo.served).toBe(2);
    expect(retry.taken).toEqual([]);
    expect(inbox.records.filter(recordOf(RpcType.close, streamId))).toHaveLength(1);
    expect(rpc.stats().duplicates).toBe(1);
    await retry.cancel();
  });

  it('ends a stream open at its deadline with 4008 and aborts the handler', async () => {
    const { rpc, requester } = await setUp();
    const aborted = deferred<unknown>();
    await rpc.serve('svc.req', 'svc.slow.v1', async (_req, writer) => {
      await writer.write('started');
      await new Promise((resolve) => {
        writer.signal.addEventListener('abort', resolve);
      });
      aborted.resolve(writer.signal.reason);
    });
    const stream = await requester.open('svc.req', 'svc.slow.v1', null, {
      deadlineMs: Date.now() + 300,
      localDeadline: false,
    });
    const { items, end } = await stream.readAll();
    expect(items).toEqual(['started']);
    expect(end).toMatchObject({ code: 4008, local: false });
    expect(await aborted.promise).toBeInstanceOf(RpcCloseError);
  });

  it('aborts a cancelled stream and sends nothing more for it, not even a close frame', async () => {
    const { rpc, requester, inbox, marker } = await setUp();
    const aborted = deferred();
    await rpc.serve('svc.req', 'svc.forever.v1', async (_req, writer) => {
      writer.signal.addEventListener('abort', () => {
        aborted.resolve();
      });
      for (let i = 1; ; i++) await writer.write(i);
    });
    const stream = await requester.open('svc.req', 'svc.forever.v1', null, { window: 4 });
    expect(await stream.take()).toBe(1);
    await stream.cancel('enough');
    await aborted.promise;
    await marker();
    expect(inbox.records.filter(recordOf(RpcType.close, stream.id))).toEqual([]);
    // One item of a window of 4 taken: no credit was sent, so no frame past seq 4.
    expect(stream.grants).toEqual([]);
    expect(
      Math.max(...inbox.records.filter(recordOf(RpcType.data, stream.id)).map(seqOf)),
    ).toBeLessThanOrEqual(4);
    expect(rpc.stats().serving).toBe(0);
  });

  it('never starts a request whose cancel came first', async () => {
    const { messenger, requester, inbox, echo, marker } = await setUp();
    const streamId = randomUUID();
    await publishRaw(messenger, 'svc.req', RpcType.cancel, { reason: 'changed my mind' }, streamId);
    const late = await requester.open('svc.req', 'svc.ok.v1', 'late', { streamId });
    await marker();
    expect(echo.served).toBe(1);
    expect(inbox.records.filter((r) => r.correlationId === streamId)).toEqual([]);
    await late.cancel();
  });

  it('sends no data frame beyond the credit, and resumes on rpc.credit.v1 records', async () => {
    const { rpc, requester, inbox } = await setUp();
    await rpc.serve('svc.req', 'svc.many.v1', async (_req, writer) => {
      for (let i = 1; i <= 10; i++) await writer.write(i);
    });
    const stream = await requester.open('svc.req', 'svc.many.v1', null, { window: 3, keepaliveMs: 100 });
    // Nothing is taken: the server stops at seq 3. A keepalive is only sent after keepalive_ms without
    // a frame of the stream, so a fourth frame sent without credit would come before it.
    const keepalive = await inbox.first((r) => namesStream(r, stream.id));
    const before = inbox.records.slice(0, inbox.records.indexOf(keepalive));
    expect(before.filter(recordOf(RpcType.data, stream.id)).map(seqOf)).toEqual([1, 2, 3]);
    expect(stream.buffered).toBe(3);
    const { items, end } = await stream.readAll();
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(end).toMatchObject({ code: 1000, local: false });
    expect(stream.grants.slice(0, 4)).toEqual([5, 7, 9, 11]);
  });

  it('raises credit only: a smaller up_to_seq and a malformed one are ignored', async () => {
    const { messenger, rpc, requester, inbox, marker } = await setUp();
    const go = deferred();
    await rpc.serve('svc.req', 'svc.many.v1', async (_req, writer) => {
      await go.promise;
      for (let i = 1; i <= 6; i++) await writer.write(i);
    });
    const stream = await requester.open('svc.req', 'svc.many.v1', null, { window: 2, keepaliveMs: 100 });
    stream.grant(4);
    await publishRaw(messenger, 'svc.req', RpcType.credit, { up_to_seq: 3, note: 'stale' }, stream.id);
    await publishRaw(messenger, 'svc.req', RpcType.credit, { up_to_seq: 'x' }, stream.id);
    await publishRaw(messenger, 'svc.req', RpcType.credit, 'not an object', stream.id);
    await marker();
    go.resolve();
    const keepalive = await inbox.first(
      (r) => namesStream(r, stream.id) && inbox.records.some(recordOf(RpcType.data, stream.id)),
    );
    const before = inbox.records.slice(0, inbox.records.indexOf(keepalive));
    expect(before.filter(recordOf(RpcType.data, stream.id)).map(seqOf)).toEqual([1, 2, 3, 4]);
    const { items, end } = await stream.readAll();
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
    expect(end.code).toBe(1000);
  });

  it('sends rpc.keepalive.v1 (no correlation_id) for a silent stream, with keepalive_ms clamped to ≥ 100', async () => {
    const { rpc, requester, inbox } = await setUp();
    const release = deferred();
    await rpc.serve('svc.req', 'svc.quiet.v1', () => release.promise);
    const stream = await requester.open('svc.req', 'svc.quiet.v1', null, { keepaliveMs: 1 });
    const startedAt = Date.now();
    const [, second] = await inbox.count((r) => namesStream(r, stream.id), 2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(second!.correlationId).toBe('');
    expect(stream.end).toBeUndefined();
    release.resolve();
    expect((await stream.ended).code).toBe(1000);
  });

  it('lists at most 1,000 stream ids per keepalive record, and names every open stream', async () => {
    const clock = new FakeClock(Date.now());
    const { rpc, requester, inbox } = await setUp('server-1', clock);
    const allStarted = deferred();
    let started = 0;
    await rpc.serve('svc.req', 'svc.quiet.v1', async (_req, writer) => {
      if (++started === 1001) allStarted.resolve();
      await new Promise((resolve) => {
        writer.signal.addEventListener('abort', resolve);
      });
    });
    const ids = new Set<string>();
    for (let i = 0; i < 1001; i++) {
      // The deadline is far past the keepalive the test waits for (the server judges it on `clock`).
      const options = { keepaliveMs: 60_000, deadlineMs: Date.now() + 600_000 };
      ids.add((await requester.open('svc.req', 'svc.quiet.v1', i, options)).id);
    }
    await allStarted.promise;
    await clock.advance(60_000);
    const keepalives = await inbox.count((r) => r.payloadType === RpcType.keepalive, 2);
    const lists = keepalives.map((r) => (r.payload as { streams: string[] }).streams);
    expect(lists.map((l) => l.length).sort((a, b) => b - a)).toEqual([1000, 1]);
    expect(new Set(lists.flat())).toEqual(ids);
  });

  it('runs handlers concurrently: a stream waiting for credit never delays another', async () => {
    const { rpc, requester } = await setUp();
    await rpc.serve('svc.req', 'svc.many.v1', async (_req, writer) => {
      for (let i = 1; ; i++) await writer.write(i);
    });
    const stalled = await requester.open('svc.req', 'svc.many.v1', null, { window: 1 });
    const other = await requester.open('svc.req', 'svc.ok.v1', 'not delayed');
    expect(await other.readAll()).toMatchObject({ items: ['not delayed'], end: { code: 1000 } });
    expect(stalled.end).toBeUndefined();
    await stalled.cancel();
  });

  it('puts a new random run id in the frames of each runtime it starts', async () => {
    const { messenger, rpc, requester, inbox } = await setUp();
    const runOf = async (): Promise<string> => {
      const stream = await requester.open('svc.req', 'svc.ok.v1', 'which run');
      await stream.readAll();
      const frames = inbox.records.filter((r) => r.correlationId === stream.id);
      const runs = [...new Set(frames.map((r) => (r.payload as { run: string }).run))];
      expect(runs).toHaveLength(1);
      return runs[0]!;
    };
    const first = await runOf();
    expect(await runOf()).toBe(first);
    await rpc.close();
    const restarted = await streamRpcOn(closing, messenger);
    await restarted.serve('svc.req', 'svc.ok.v1', (req, writer) => writer.write(req.body));
    const second = await runOf();
    expect(second).toMatch(UUID);
    expect(second).not.toBe(first);
  });

  it('closes open streams with 1001 when it shuts down', async () => {
    const { rpc, requester } = await setUp();
    await rpc.serve('svc.req', 'svc.slow.v1', async (_req, writer: RpcWriter) => {
      await writer.write('started');
      await new Promise((resolve) => {
        writer.signal.addEventListener('abort', resolve);
      });
    });
    const stream = await requester.open('svc.req', 'svc.slow.v1', null);
    expect(await stream.take()).toBe('started');
    await rpc.close();
    expect(await stream.take()).toBe(END);
    expect(stream.end).toMatchObject({ code: 1001, local: false });
  });
});

/** Whether `record` is a keepalive naming `streamId`. */
function namesStream(record: RawRecord, streamId: string): boolean {
  return (
    record.payloadType === RpcType.keepalive &&
    (record.payload as { streams: string[] }).streams.includes(streamId)
  );
}

function seqOf(record: { payload: unknown }): number {
  return (record.payload as { seq: number }).seq;
}
