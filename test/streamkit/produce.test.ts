import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  SequenceMismatchError,
  SkCode,
  StreamStore,
  StreamkitError,
  hasErrorCode,
  type StreamStoreOptions,
} from '../../src/index.js';
import { errorFromWire } from '../../internal/streamkit/index.js';
import { drain, openStore, range, sequences } from './harness.js';

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Appends 1..n one at a time, each expecting the last sequence it read (retrying on mismatch). */
async function occProducer(store: StreamStore, n: number, counter: { next: number }): Promise<number> {
  let mismatches = 0;
  for (;;) {
    const mine = counter.next;
    if (mine > n) return mismatches;
    try {
      await store.append('s', 'seg', { v: mine }, { expectedLastSequence: mine - 1 });
      if (counter.next === mine) counter.next = mine + 1;
    } catch (err) {
      if (!(err instanceof SequenceMismatchError)) throw err;
      mismatches++;
      counter.next = err.actual + 1;
    }
  }
}

describe('streamkit produce', () => {
  it('numbers entries 1..N per segment with one transaction per call, and answers statuses', async () => {
    const { store, messenger } = await openStore();
    const first = await store.produce('s', 'a', [{ data: 1 }, { data: 2 }, { data: 3 }], {
      expectedLastSequence: 0,
    });
    expect(first).toMatchObject({ space: 's', segment: 'a', firstSequence: 1, lastSequence: 3 });
    const second = await store.produce('s', 'a', [{ data: 4 }], { expectedLastSequence: 3 });
    expect(second.lastSequence).toBe(4);
    await store.append('s', 'b', 'other');
    const entries = await drain(store.consumeSegment('s', 'a'));
    expect(sequences(entries)).toEqual([1, 2, 3, 4]);
    expect(entries.map((e) => e.data)).toEqual([1, 2, 3, 4]);
    const trx = entries.slice(0, 3).map((e) => e.trx);
    expect(new Set(trx.map((t) => t.id)).size).toBe(1);
    expect(trx.map((t) => [t.number, t.index, t.count])).toEqual([
      [1, 0, 3],
      [1, 1, 3],
      [1, 2, 3],
    ]);
    expect(entries[3]?.trx).toMatchObject({ number: 2, index: 0, count: 1 });
    expect(entries[3]?.trx.id).not.toBe(trx[0]?.id);
    const space = await drain(store.consumeSpace('s'));
    expect(space.map((e) => e.position)).toEqual([1, 2, 3, 4, 5]);
    expect(space.map((e) => e.segment)).toEqual(['a', 'a', 'a', 'a', 'b']);
    expect(messenger.stats().channels['sk.orders.s']?.messages).toBe(5);
  });

  it('refuses a wrong expected sequence with 4009 carrying expected and actual, writing nothing', async () => {
    const { store } = await openStore();
    await store.append('s', 'seg', 'one', { expectedLastSequence: 0 });
    const err = await caught(store.append('s', 'seg', 'again', { expectedLastSequence: 0 }));
    expect(err).toBeInstanceOf(SequenceMismatchError);
    const mismatch = err as SequenceMismatchError;
    expect([mismatch.expected, mismatch.actual]).toEqual([0, 1]);
    expect(mismatch.wireCode).toBe(SkCode.SEQUENCE_MISMATCH);
    expect(mismatch.retryable).toBe(false);
    expect(hasErrorCode(err, ErrorCode.SK_SEQUENCE_MISMATCH)).toBe(true);
    const explicit = await caught(store.produce('s', 'seg', [{ data: 'x', sequence: 5 }]));
    expect(explicit).toBeInstanceOf(SequenceMismatchError);
    expect(sequences(await drain(store.consumeSegment('s', 'seg')))).toEqual([1]);
    expect(store.getSegmentStatus('s', 'seg')?.lastSequence).toBe(1);
  });

  it('a second holder of a sequence gets the mismatch while the first succeeds', async () => {
    const { store } = await openStore();
    const results = await Promise.allSettled([
      store.append('s', 'seg', 'first', { expectedLastSequence: 0 }),
      store.append('s', 'seg', 'second', { expectedLastSequence: 0 }),
    ]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]?.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(SequenceMismatchError);
    expect((await drain(store.consumeSegment('s', 'seg'))).map((e) => e.data)).toEqual(['first']);
  });

  for (const producers of [2, 4]) {
    it(`${producers} concurrent producers with "any" end with exactly N contiguous entries`, async () => {
      const { store } = await openStore();
      const n = 200;
      await Promise.all(
        range(producers).map(async (p) => {
          for (let i = p; i <= n; i += producers) await store.append('s', 'seg', i);
        }),
      );
      const entries = await drain(store.consumeSegment('s', 'seg'));
      expect(sequences(entries)).toEqual(range(n));
      expect(new Set(entries.map((e) => e.data)).size).toBe(n);
    });

    it(`${producers} concurrent producers with expected sequences and retry end with exactly N`, async () => {
      const { store } = await openStore();
      const n = 100;
      const counter = { next: 1 };
      const mismatches = await Promise.all(range(producers).map(() => occProducer(store, n, counter)));
      const entries = await drain(store.consumeSegment('s', 'seg'));
      expect(sequences(entries)).toEqual(range(n));
      expect(entries.map((e) => e.data)).toEqual(range(n).map((v) => ({ v })));
      expect(mismatches.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }

  it('applies a retried transaction id once and answers the original status', async () => {
    const { store } = await openStore();
    const trxId = crypto.randomUUID();
    const original = await store.produce('s', 'seg', [{ data: 1 }, { data: 2 }], { trxId });
    await store.append('s', 'seg', 3);
    const retried = await store.produce('s', 'seg', [{ data: 1 }, { data: 2 }], {
      trxId,
      expectedLastSequence: 0,
    });
    expect(retried).toEqual(original);
    expect(sequences(await drain(store.consumeSegment('s', 'seg')))).toEqual([1, 2, 3]);
    const concurrent = crypto.randomUUID();
    const [a, b] = await Promise.all([
      store.append('s', 'seg', 'x', { trxId: concurrent }),
      store.append('s', 'seg', 'x', { trxId: concurrent }),
    ]);
    expect(a).toEqual(b);
    expect(store.getSegmentStatus('s', 'seg')?.lastSequence).toBe(4);
    const other = await caught(store.append('s', 'elsewhere', 'x', { trxId }));
    expect((other as StreamkitError).wireCode).toBe(SkCode.BAD_REQUEST);
  });

  it('refuses invalid names, empty or oversized transactions and malformed records with 4000', async () => {
    const { store } = await openStore();
    const bad = [
      store.append('has.dot', 'seg', 1),
      store.append('_reserved', 'seg', 1),
      store.append('s', '', 1),
      store.produce('s', 'seg', []),
      store.produce(
        's',
        'seg',
        Array.from({ length: 10_001 }, () => ({ data: 1 })),
      ),
      store.produce('s', 'seg', [{ data: 1, bytes: new Uint8Array(1) }]),
      store.produce('s', 'seg', [{ data: 'x'.repeat(1 << 20) }]),
      store.append('s', 'seg', 1, { expectedLastSequence: -1 }),
      store.append('s', 'seg', 1, { trxId: 'not-a-uuid' }),
    ];
    for (const attempt of bad) {
      const err = await caught(attempt);
      expect(err).toBeInstanceOf(StreamkitError);
      expect((err as StreamkitError).wireCode).toBe(SkCode.BAD_REQUEST);
      expect(hasErrorCode(err, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    }
    expect(store.getSpaces()).toEqual([]);
  });

  it('refuses a missing store or space name from a JavaScript caller instead of naming a channel "undefined"', async () => {
    const { messenger, store } = await openStore();
    const noStore = await caught(StreamStore.open(messenger, {} as unknown as StreamStoreOptions));
    expect(noStore).toBeInstanceOf(StreamkitError);
    expect((noStore as StreamkitError).message).toMatch(
      /invalid store name undefined: must be a string, not undefined/,
    );
    const noSpace = await caught(store.append(undefined as unknown as string, 'seg', 1));
    expect((noSpace as StreamkitError).wireCode).toBe(SkCode.BAD_REQUEST);
    expect(Object.keys(messenger.stats().channels)).not.toContain('sk.orders.undefined');
  });

  it('counts the UTF-8 bytes of records near the limits, not their length in characters', async () => {
    const { store } = await openStore();
    // 3 × 400,000 characters would pass 1 MiB, the 400,000 bytes do not.
    await store.append('s', 'ascii', 'x'.repeat(400_000));
    // 350,000 characters of 3 bytes each are 1,050,000 bytes: over.
    const wide = await caught(store.append('s', 'wide', '€'.repeat(350_000)));
    expect((wide as StreamkitError).wireCode).toBe(SkCode.BAD_REQUEST);
    expect((wide as Error).message).toContain('record 0');
    // 20 × 300,000 bytes fit in 16 MiB; three bytes a character would not.
    const many = Array.from({ length: 20 }, () => ({ data: 'y'.repeat(300_000) }));
    expect((await store.produce('s', 'many', many)).lastSequence).toBe(20);
    const tooMany = Array.from({ length: 20 }, () => ({ data: 'é'.repeat(450_000) }));
    expect(((await caught(store.produce('s', 'many', tooMany))) as Error).message).toContain('exceeds');
  });

  it('refuses to produce on an instance that is not the authority', async () => {
    const { store } = await openStore({ authority: 'hub-1' });
    const err = await caught(store.append('s', 'seg', 1));
    expect((err as StreamkitError).wireCode).toBe(SkCode.NOT_AUTHORITY);
    expect(hasErrorCode(err, ErrorCode.SK_NOT_AUTHORITY)).toBe(true);
  });

  it('stores bytes and metadata as given', async () => {
    const { store } = await openStore();
    await store.append('s', 'seg', new Uint8Array([0, 255, 7]), { metadata: { kind: 'raw' } });
    const entry = await store.peek('s', 'seg');
    expect(entry.bytes).toEqual(Buffer.from([0, 255, 7]));
    expect(entry.data).toBeUndefined();
    expect(entry.metadata).toEqual({ kind: 'raw' });
  });
});

describe('streamkit errors from the wire', () => {
  it('rebuilds typed errors from close codes, classifying rpc codes as rpc does', () => {
    const mismatch = errorFromWire(4009, '{"expected":2,"actual":5,"where":"s/seg"}');
    if (!(mismatch instanceof SequenceMismatchError)) throw new Error('not a SequenceMismatchError');
    expect([mismatch.expected, mismatch.actual]).toEqual([2, 5]);
    expect([errorFromWire(5003, 'down').retryable, errorFromWire(5001, 'x').retryable]).toEqual([true, true]);
    const lost = errorFromWire(1006, 'silence');
    expect([lost.retryable, lost.code]).toEqual([true, ErrorCode.SK_UNAVAILABLE]);
    const noHandler = errorFromWire(4004, 'no handler');
    expect([noHandler.retryable, noHandler.wireCode]).toEqual([false, 4004]);
    expect(errorFromWire(4000, 'bad').code).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
