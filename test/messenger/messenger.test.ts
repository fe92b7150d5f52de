import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_PAYLOAD_TYPE,
  ErrorCode,
  Messenger,
  hasErrorCode,
  withCorrelationId,
  withServiceName,
  type DeadLetterPayload,
} from '../../src/index.js';
import { systemClock } from '../../internal/clock/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { collector } from '../support/messages.js';
import { tempDir } from '../support/temp-dir.js';

function open(dataDir: string, extra: Record<string, unknown> = {}): Promise<Messenger> {
  return Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'always', ...extra } });
}

describe('Messenger: publish and subscribe', () => {
  it('delivers a published message with every envelope field', async () => {
    const m = await open(tempDir());
    const got = collector<{ sku: string }>();
    await m.subscribe('orders', 'billing', got.handler);
    const receipt = await m.publish(
      'orders',
      'com.example.Order',
      { sku: 'A-1' },
      { correlationId: 'c-1', serviceName: 'shop' },
    );
    await got.waitFor(1);
    const msg = got.messages[0]!;
    expect(msg).toMatchObject({
      id: receipt.id,
      channel: 'orders',
      origin: 'node-a',
      payloadType: 'com.example.Order',
      correlationId: 'c-1',
      serviceName: 'shop',
      payload: { sku: 'A-1' },
      offset: receipt.offset,
    });
    expect(msg.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(msg.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(Math.abs(msg.timestamp.getTime() - Date.now())).toBeLessThan(10_000);
    await m.close();
  });

  it('stamps ids and times of publishes from the injected clock', async () => {
    const at = Date.UTC(2031, 0, 2, 3, 4, 5, 6);
    const dir = tempDir();
    const m = await Messenger.open(
      { name: 'node-a', storage: { dataDir: dir, syncPolicy: 'none' } },
      { clock: new FakeClock(at) },
    );
    const one = await m.publish('orders', 'T', 1);
    const batch = await m.publishBatch('orders', [{ payloadType: 'T', payload: 2 }]);
    await m.close();
    const lines = fs
      .readFileSync(path.join(dir, 'channels', 'orders', '00000000000000000000.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; ts: string });
    // A UUID v7 holds its millisecond time in its first 48 bits.
    const idTime = (id: string): number => parseInt(id.replace('-', '').slice(0, 12), 16);
    expect(lines.map((l) => l.id)).toEqual([one.id, batch[0]?.id]);
    for (const { id, ts } of lines) {
      expect(idTime(id)).toBe(at);
      expect(ts.startsWith('2031-01-02T03:04:05.006')).toBe(true);
    }
  });

  it('writes the Go envelope layout on disk', async () => {
    const dir = tempDir();
    const m = await open(dir);
    await m.publish('orders', 'T', { a: 1 });
    await m.close();
    const text = fs.readFileSync(path.join(dir, 'channels', 'orders', '00000000000000000000.jsonl'), 'utf8');
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'v',
      'id',
      'ts',
      'channel',
      'origin',
      'payload_type',
      'payload',
    ]);
  });

  it('keeps per-publisher order under concurrent publishers and stores every message once', async () => {
    const m = await open(tempDir());
    const got = collector<{ p: number; i: number }>();
    await m.subscribe('orders', 'audit', got.handler);
    await Promise.all(
      Array.from({ length: 8 }, async (_, p) => {
        for (let i = 0; i < 25; i++) await m.publish('orders', 'T', { p, i });
      }),
    );
    await got.waitFor(200);
    for (let p = 0; p < 8; p++) {
      expect(got.messages.filter((x) => x.payload.p === p).map((x) => x.payload.i)).toEqual([
        ...Array(25).keys(),
      ]);
    }
    const offsets = got.messages.map((x) => x.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    await m.close();
  });

  it('publishBatch stores many messages in one append with consecutive offsets', async () => {
    const m = await open(tempDir());
    const got = collector<number>();
    await m.subscribe('orders', 's', got.handler);
    const receipts = await m.publishBatch(
      'orders',
      [1, 2, 3].map((n) => ({ payloadType: 'N', payload: n })),
    );
    expect(receipts).toHaveLength(3);
    expect(receipts[1]!.offset).toBeGreaterThan(receipts[0]!.offset);
    await got.waitFor(3);
    expect(got.messages.map((x) => x.payload)).toEqual([1, 2, 3]);
    expect(m.stats().channels['orders']?.messages).toBe(3);
    await m.close();
  });

  it('stamps ts from its clock, so a step of the wall clock shows in the next publish', async () => {
    let stepMs = 0;
    const steppingClock = { ...systemClock, now: () => Date.now() + stepMs };
    const m = await Messenger.open(
      { name: 'node-a', storage: { dataDir: tempDir(), syncPolicy: 'always' } },
      { clock: steppingClock },
    );
    const got = collector();
    await m.subscribe('orders', 's', got.handler);
    const beforeStep = Date.now();
    await m.publish('orders', 'N', 1);
    stepMs = 3_600_000;
    await m.publishBatch('orders', [{ payloadType: 'N', payload: 2 }]);
    await m.publish('orders', 'N', 3);
    await got.waitFor(3);
    const [first, ...stepped] = got.messages.map((x) => Date.parse(x.ts));
    expect(first! - beforeStep).toBeLessThan(60_000);
    for (const ts of stepped) expect(ts - beforeStep).toBeGreaterThanOrEqual(3_600_000);
    await m.close();
  });

  it('publishBatch receipts give each message its byte offset, for ASCII and multi-byte payloads', async () => {
    const m = await open(tempDir());
    const got = collector<string>();
    await m.subscribe('orders', 's', got.handler);
    let published = 0;
    for (const payloads of [
      ['a', 'bb', 'c'],
      ['a', 'é€😀', 'c'],
    ]) {
      const receipts = await m.publishBatch(
        'orders',
        payloads.map((payload) => ({ payloadType: 'S', payload })),
      );
      published += payloads.length;
      await got.waitFor(published);
      const delivered = got.messages.slice(published - payloads.length, published);
      expect(delivered.map((x) => x.payload)).toEqual(payloads);
      expect(receipts.map((r) => r.offset)).toEqual(delivered.map((x) => x.offset));
    }
    await m.close();
  });

  it('stamps publishes made inside withCorrelationId / withServiceName, across awaits', async () => {
    const m = await open(tempDir());
    const got = collector();
    await m.subscribe('orders', 's', got.handler);
    await withCorrelationId('corr-9', () =>
      withServiceName('svc', async () => {
        await Promise.resolve();
        await m.publish('orders', 'T', 1);
      }),
    );
    await m.publish('orders', 'T', 2);
    await got.waitFor(2);
    expect(got.messages.map((x) => [x.correlationId, x.serviceName])).toEqual([
      ['corr-9', 'svc'],
      ['', ''],
    ]);
    await m.close();
  });

  it('resumes after a restart with no loss and no replay', async () => {
    const dir = tempDir();
    const first = await open(dir);
    const before = collector<number>();
    await first.subscribe('orders', 's', before.handler);
    for (let i = 0; i < 5; i++) await first.publish('orders', 'N', i);
    await before.waitFor(5);
    await first.close();
    const writer = await open(dir);
    for (let i = 5; i < 8; i++) await writer.publish('orders', 'N', i);
    await writer.close();
    const second = await open(dir);
    const after = collector<number>();
    await second.subscribe('orders', 's', after.handler);
    await after.waitFor(3);
    await second.publish('orders', 'N', 8);
    await after.waitFor(4);
    expect(after.messages.map((x) => x.payload)).toEqual([5, 6, 7, 8]);
    await second.close();
  });

  it('starts a new subscriber at the end, the beginning, or a given offset', async () => {
    const m = await open(tempDir());
    const receipts = [];
    for (let i = 0; i < 3; i++) receipts.push(await m.publish('orders', 'N', i));
    const fromEnd = collector<number>();
    const fromStart = collector<number>();
    const fromOffset = collector<number>();
    await m.subscribe('orders', 'end', fromEnd.handler);
    await m.subscribe('orders', 'start', fromStart.handler, { from: 'beginning' });
    await m.subscribe('orders', 'mid', fromOffset.handler, { from: receipts[1]!.offset });
    await m.publish('orders', 'N', 3);
    await fromEnd.waitFor(1);
    await fromStart.waitFor(4);
    await fromOffset.waitFor(3);
    expect(fromEnd.messages.map((x) => x.payload)).toEqual([3]);
    expect(fromStart.messages.map((x) => x.payload)).toEqual([0, 1, 2, 3]);
    expect(fromOffset.messages.map((x) => x.payload)).toEqual([1, 2, 3]);
    await m.close();
  });

  it('unsubscribe forgets the offset file; stop keeps it', async () => {
    const dir = tempDir();
    const m = await open(dir);
    const sub = await m.subscribe('orders', 'keep', () => undefined);
    await m.subscribe('orders', 'drop', () => undefined);
    await sub.stop();
    await m.unsubscribe('orders', 'drop');
    const files = fs.readdirSync(path.join(dir, 'subscribers', 'orders'));
    expect(files).toEqual(['keep.offset']);
    await expect(m.unsubscribe('orders', 'drop')).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, ErrorCode.SUBSCRIBER_NOT_FOUND),
    );
    await m.close();
  });

  it('stops a subscription when its signal aborts', async () => {
    const m = await open(tempDir());
    const controller = new AbortController();
    const sub = await m.subscribe('orders', 's', () => undefined, { signal: controller.signal });
    controller.abort();
    await expect(sub.closed).resolves.toBeUndefined();
    const again = await m.subscribe('orders', 's', () => undefined);
    await again.stop();
    await m.close();
  });
});

describe('Messenger: rules and lifecycle', () => {
  it('refuses what a JavaScript caller passes where a string belongs, and writes no line for it', async () => {
    const dataDir = tempDir();
    const m = await open(dataDir);
    const untyped = m as unknown as {
      publish(channel: unknown, type: unknown, payload: unknown, options?: unknown): Promise<unknown>;
      subscribe(channel: unknown, id: unknown, handler: () => void): Promise<unknown>;
    };
    const refusals: [Promise<unknown>, ErrorCode, RegExp][] = [
      [untyped.publish(undefined, 'T', 1), ErrorCode.INVALID_CHANNEL_NAME, /must be a string, not undefined/],
      [
        untyped.publish('c', undefined, 1),
        ErrorCode.INVALID_ARGUMENT,
        /payload type must be a string, not undefined/,
      ],
      [untyped.publish('c', 7, 1), ErrorCode.INVALID_ARGUMENT, /payload type must be a string, not number/],
      [
        untyped.publish('c', 'T', 1, { correlationId: 5 }),
        ErrorCode.INVALID_ARGUMENT,
        /correlation id must be a string, not number/,
      ],
      [
        untyped.subscribe('c', undefined, () => undefined),
        ErrorCode.INVALID_ARGUMENT,
        /subscriber id must be a string/,
      ],
      [untyped.subscribe(null, 's', () => undefined), ErrorCode.INVALID_CHANNEL_NAME, /not null/],
      [
        Promise.resolve().then(() => {
          m.registerPayloadType(undefined as unknown as string);
        }),
        ErrorCode.INVALID_ARGUMENT,
        /payload type must be a string, not undefined/,
      ],
    ];
    for (const [attempt, code, message] of refusals) {
      const err = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(hasErrorCode(err, code)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
    await m.publish('c', 'T', 1);
    await m.close();
    // The one good publish is the channel's only line, and it is JSON.
    const lines = fs
      .readFileSync(
        path.join(dataDir, 'channels/c', fs.readdirSync(path.join(dataDir, 'channels/c'))[0]!),
        'utf8',
      )
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ payload_type: 'T', payload: 1 });
  });

  it('rejects bad channel names, the reserved suffix, and duplicate registrations', async () => {
    const m = await open(tempDir());
    for (const bad of ['', '..', '.', 'a/b', 'x'.repeat(256)]) {
      await expect(m.publish(bad, 'T', 1)).rejects.toSatisfy((e: unknown) =>
        hasErrorCode(e, ErrorCode.INVALID_CHANNEL_NAME),
      );
    }
    await expect(m.publish('orders.dead-letter', 'T', 1)).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, ErrorCode.RESERVED_CHANNEL_NAME),
    );
    m.registerPayloadType('T');
    expect(() => {
      m.registerPayloadType('T');
    }).toThrow(expect.objectContaining({ code: ErrorCode.PAYLOAD_TYPE_ALREADY_REGISTERED }));
    await m.subscribe('orders', 'dup', () => undefined);
    await expect(m.subscribe('orders', 'dup', () => undefined)).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, ErrorCode.SUBSCRIBER_EXISTS),
    );
    await expect(m.subscribe('orders', 'fed-x', () => undefined)).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, ErrorCode.INVALID_ARGUMENT),
    );
    await m.close();
  });

  it('sanitises subscriber ids into file names', async () => {
    const dir = tempDir();
    const m = await open(dir);
    await m.subscribe('orders', '../../etc/passwd', () => undefined);
    expect(fs.readdirSync(path.join(dir, 'subscribers', 'orders'))).toEqual(['.._.._etc_passwd.offset']);
    await m.close();
  });

  it('close is idempotent and every call after it fails with "messenger is closed"', async () => {
    const m = await open(tempDir());
    await Promise.all([m.close(), m.close()]);
    await m.close();
    await expect(m.publish('orders', 'T', 1)).rejects.toThrow('messenger is closed');
    await expect(m.subscribe('orders', 's', () => undefined)).rejects.toSatisfy((e: unknown) =>
      hasErrorCode(e, ErrorCode.MESSENGER_CLOSED),
    );
    expect(() => {
      m.registerPayloadType('X');
    }).toThrow('messenger is closed');
  });

  it('refuses a second owner of the data dir in the same process, and allows one after close', async () => {
    const dir = tempDir();
    const m = await open(dir);
    await expect(open(dir)).rejects.toSatisfy((e: unknown) => hasErrorCode(e, ErrorCode.DATA_DIR_LOCKED));
    await m.close();
    const again = await open(dir);
    await again.close();
  });

  it('closes at the end of an `await using` block, releasing the data dir', async () => {
    const dir = tempDir();
    {
      await using scoped = await open(dir);
      await scoped.publish('orders', 'T', 1);
    }
    const again = await open(dir);
    expect(again.stats().channels['orders']?.endOffset).toBeGreaterThan(0);
    await again.close();
  });

  it('rejects an invalid config listing every problem at once', async () => {
    await expect(
      Messenger.open({
        storage: { dataDir: tempDir(), syncPolicy: 'sometimes' as 'none', compactionThresholdMb: -1 },
      }),
    ).rejects.toSatisfy((e: unknown) => {
      const issues = (e as { issues?: string[] }).issues ?? [];
      return hasErrorCode(e, ErrorCode.CONFIG) && issues.length >= 2;
    });
  });

  it('reports per-channel and per-subscriber stats', async () => {
    const m = await open(tempDir());
    const got = collector();
    await m.subscribe('orders', 's', got.handler);
    await m.publish('orders', 'T', 1);
    await got.waitFor(1);
    const stats = m.stats().channels['orders']!;
    expect(stats.messages).toBe(1);
    expect(stats.segments).toBe(1);
    expect(stats.bytes).toBe(stats.endOffset);
    expect(stats.subscribers['s']).toMatchObject({ delivered: 1, lagBytes: 0, offset: stats.endOffset });
    await m.close();
  });
});

describe('Messenger: dead letters', () => {
  it('dead-letters a payload its registered decoder rejects', async () => {
    const m = await open(tempDir());
    m.registerPayloadType('Order', (p) => {
      if (typeof p !== 'object' || p === null || !('sku' in p)) throw new Error('sku missing');
      return p;
    });
    const good = collector();
    const dead = collector<DeadLetterPayload>();
    await m.subscribe('orders', 's', good.handler);
    await m.subscribe('orders.dead-letter', 'ops', dead.handler);
    await m.publish('orders', 'Order', { nope: true });
    await m.publish('orders', 'Order', { sku: 'ok' });
    await good.waitFor(1);
    await dead.waitFor(1);
    expect(good.messages[0]!.payload).toEqual({ sku: 'ok' });
    expect(dead.messages[0]!.payloadType).toBe(DEAD_LETTER_PAYLOAD_TYPE);
    expect(dead.messages[0]!.payload.last_error).toContain('sku missing');
    expect(dead.messages[0]!.payload.original.payload).toEqual({ nope: true });
    await m.close();
  });
});
