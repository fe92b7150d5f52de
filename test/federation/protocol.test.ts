import { describe, it, expect } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';
import {
  CLOSE_NOT_IN_ALLOWLIST,
  CLOSE_REASON_NOT_IN_ALLOWLIST,
  MAX_FRAMES_IN_FLIGHT,
  FRAME_HEADER_BYTES,
  decodeAck,
  decodeFrame,
  decodeHandshake,
  encodeAck,
  encodeFrame,
  encodeHandshake,
  frameBytesFor,
  handshakeExtensions,
  maxBatchBytesOf,
  framesInFlightOf,
  recordTexts,
  takeBatch,
} from '../../internal/federation/protocol/index.js';
import { seededRandom } from '../support/seeded-random.js';

function randomRecords(random: () => number): Buffer[] {
  const count = Math.floor(random() * 12);
  return Array.from({ length: count }, () => {
    const length = random() < 0.2 ? 0 : Math.floor(random() * (random() < 0.1 ? 5000 : 200));
    return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  });
}

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(hasErrorCode(thrown, ErrorCode.PROTOCOL)).toBe(true);
  expect((thrown as Error).message).toMatch(message);
}

describe('handshake', () => {
  it('parses the Go client handshake and writes it back byte for byte', () => {
    const goClient =
      '{"instance_name":"billing-host","role":"client","version":"1","subscribe":["alerts","metrics"]}';
    const msg = decodeHandshake(goClient);
    expect(msg).toEqual({
      instance_name: 'billing-host',
      role: 'client',
      version: '1',
      subscribe: ['alerts', 'metrics'],
    });
    expect(encodeHandshake(msg)).toBe(goClient);
  });

  it('parses the Go hub reply and writes it back byte for byte', () => {
    const goHub = '{"instance_name":"hub1","role":"hub","version":"1"}';
    expect(decodeHandshake(goHub)).toEqual({ instance_name: 'hub1', role: 'hub', version: '1' });
    expect(encodeHandshake({ instance_name: 'hub1', role: 'hub', version: '1' })).toBe(goHub);
  });

  it('writes every field in Go struct order regardless of property order', () => {
    expect(
      encodeHandshake({
        ephemeral: true,
        subscribe: ['a'],
        last_id: 'x1',
        version: '1',
        role: 'client',
        instance_name: 'e',
      }),
    ).toBe(
      '{"instance_name":"e","role":"client","version":"1","last_id":"x1","subscribe":["a"],"ephemeral":true}',
    );
  });

  it('omits empty last_id, empty subscribe and false ephemeral like Go omitempty', () => {
    expect(
      encodeHandshake({
        instance_name: 'n',
        role: 'client',
        version: '1',
        last_id: '',
        subscribe: [],
        ephemeral: false,
      }),
    ).toBe('{"instance_name":"n","role":"client","version":"1"}');
  });

  it('escapes HTML characters and line separators as Go does', () => {
    expect(encodeHandshake({ instance_name: 'a<b>&c\u2028\u2029"é', role: 'hub', version: '1' })).toBe(
      '{"instance_name":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\"é","role":"hub","version":"1"}',
    );
    expect(decodeHandshake('{"instance_name":"a\\u003cb"}').instance_name).toBe('a<b');
  });

  it('keeps unknown fields on decode and writes them after the known ones', () => {
    const text = '{"future":{"x":[1,2]},"instance_name":"n","role":"client","version":"2","9":"nine"}';
    const msg = decodeHandshake(text);
    expect(msg['future']).toEqual({ x: [1, 2] });
    expect(msg['9']).toBe('nine');
    expect(msg.version).toBe('2');
    expect(encodeHandshake(msg)).toBe(
      '{"instance_name":"n","role":"client","version":"2","9":"nine","future":{"x":[1,2]}}',
    );
  });

  it('keeps a "__proto__" field as data without touching the prototype', () => {
    const msg = decodeHandshake('{"instance_name":"n","__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(msg)).toBe(Object.prototype);
    expect(Object.hasOwn(msg, '__proto__')).toBe(true);
    expect((msg as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reads missing role/version as "" and JSON null as absent, like Go zero values', () => {
    expect(decodeHandshake('{"instance_name":"n","subscribe":null,"ephemeral":null,"last_id":null}')).toEqual(
      {
        instance_name: 'n',
        role: '',
        version: '',
      },
    );
  });

  it('reads the frames a peer accepts in flight: 1 for a Go peer, capped at our own for a peer of this port', () => {
    const of = (extra: string, own = 8): number =>
      framesInFlightOf(decodeHandshake(`{"instance_name":"p","role":"hub","version":"1"${extra}}`), own);
    expect(of('')).toBe(1);
    expect(of(',"max_in_flight":3')).toBe(3);
    expect(of(',"max_in_flight":1000')).toBe(8);
    expect(of(',"max_in_flight":5', 2)).toBe(2);
    for (const bad of ['0', '-2', '2.5', '"4"', 'null', 'true'])
      expect(of(`,"max_in_flight":${bad}`)).toBe(1);
  });

  it('announces 32 frames in flight and its max_batch_bytes, and packs frames of at most 64 KiB', () => {
    expect(handshakeExtensions(4 * 2 ** 20)).toEqual({ max_in_flight: 32, max_batch_bytes: 4 * 2 ** 20 });
    expect(handshakeExtensions(1024, false)).toEqual({ max_in_flight: MAX_FRAMES_IN_FLIGHT });
    expect(frameBytesFor(4 * 2 ** 20)).toBe(65_536);
    expect(frameBytesFor(1024)).toBe(1024);
  });

  it("reads a peer's max_batch_bytes only when it is a positive integer", () => {
    const of = (extra: string): number | undefined =>
      maxBatchBytesOf(decodeHandshake(`{"instance_name":"p","role":"hub","version":"1"${extra}}`));
    expect(of('')).toBeUndefined();
    expect(of(',"max_batch_bytes":65536')).toBe(65_536);
    for (const bad of ['0', '-2', '2.5', '"4"', 'null', 'true', '1e300'])
      expect(of(`,"max_batch_bytes":${bad}`)).toBeUndefined();
  });

  it('decodes a Buffer text frame', () => {
    expect(decodeHandshake(Buffer.from('{"instance_name":"n","ephemeral":true}')).ephemeral).toBe(true);
  });

  it.each([
    ['not JSON', '{"instance_name":', /handshake: invalid JSON/],
    ['a JSON array', '["n"]', /expected a JSON object, got an array/],
    ['a JSON string', '"n"', /expected a JSON object, got string/],
    ['missing instance_name', '{"role":"client"}', /"instance_name" is missing or empty/],
    ['empty instance_name', '{"instance_name":""}', /"instance_name" is missing or empty/],
    ['numeric instance_name', '{"instance_name":7}', /"instance_name" must be a string, got number/],
    ['numeric role', '{"instance_name":"n","role":1}', /"role" must be a string, got number/],
    ['string subscribe', '{"instance_name":"n","subscribe":"a"}', /"subscribe" must be an array of strings/],
    [
      'mixed subscribe',
      '{"instance_name":"n","subscribe":["a",1]}',
      /"subscribe" must be an array of strings/,
    ],
    [
      'string ephemeral',
      '{"instance_name":"n","ephemeral":"true"}',
      /"ephemeral" must be a boolean, got string/,
    ],
  ])('rejects %s with ERR_PROTOCOL', (_name, text, message) => {
    expectProtocolError(() => decodeHandshake(text), message);
  });
});

describe('data frames', () => {
  it('encodes records as big-endian length prefixes and bodies', () => {
    const frame = encodeFrame([Buffer.from('ab'), new Uint8Array(0), Buffer.from('xyz')]);
    expect(frame).toEqual(Buffer.from([0, 0, 0, 2, 0x61, 0x62, 0, 0, 0, 0, 0, 0, 0, 3, 0x78, 0x79, 0x7a]));
  });

  it('writes lengths above 16 bits in big-endian order', () => {
    const frame = encodeFrame([Buffer.alloc(0x010203, 0xee)]);
    expect([...frame.subarray(0, 4)]).toEqual([0x00, 0x01, 0x02, 0x03]);
    expect(frame.length).toBe(4 + 0x010203);
  });

  it('encodes an empty record list as an empty frame and decodes it to no records', () => {
    expect(encodeFrame([]).length).toBe(0);
    expect(decodeFrame(new Uint8Array(0), 10)).toEqual({ records: [], oversized: [] });
  });

  it('decodes records as views into the frame, not copies', () => {
    const frame = Buffer.from([0, 0, 0, 1, 0x41, 0, 0, 0, 0]);
    const { records } = decodeFrame(frame, 0);
    expect(records.map((r) => r.toString())).toEqual(['A', '']);
    frame[4] = 0x42;
    expect(records[0]!.toString()).toBe('B');
  });

  it('gives the text of every record, for ASCII and non-ASCII frames and at an offset', () => {
    const records = ['{"a":1}', '', '{"b":"x"}'];
    const ascii = encodeFrame(records.map((r) => Buffer.from(r)));
    expect(recordTexts(ascii, decodeFrame(ascii, 0).records)).toEqual({
      texts: records,
      ascii: [true, true, true],
    });
    const mixed = ['{"a":"é"}', '{"b":"😀"}', '{"c":1}'];
    const backing = Buffer.concat([Buffer.from([0xff]), encodeFrame(mixed.map((r) => Buffer.from(r)))]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 1, backing.length - 1);
    expect(recordTexts(view, decodeFrame(view, 0).records)).toEqual({
      texts: mixed,
      ascii: [false, false, true],
    });
    const shifted = Buffer.concat([Buffer.from('zz'), ascii]);
    const asciiView = new Uint8Array(shifted.buffer, shifted.byteOffset + 2, ascii.length);
    expect(recordTexts(asciiView, decodeFrame(asciiView, 0).records)).toEqual({
      texts: records,
      ascii: [true, true, true],
    });
  });

  it('reads ASCII records as ASCII when a length prefix holds a byte over 127', () => {
    const records = [`{"a":"${'x'.repeat(200)}"}`, '{"b":"é"}', '{"c":2}'];
    const frame = encodeFrame(records.map((r) => Buffer.from(r)));
    expect(recordTexts(frame, decodeFrame(frame, 0).records)).toEqual({
      texts: records,
      ascii: [true, false, true],
    });
  });

  it('decodes a frame that sits at an offset inside a larger buffer', () => {
    const backing = Buffer.from([9, 9, 0, 0, 0, 2, 0x68, 0x69, 9]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 6);
    expect(decodeFrame(view, 0).records.map((r) => r.toString())).toEqual(['hi']);
  });

  it('skips records over the limit and reports their position, keeping the rest', () => {
    const frame = encodeFrame([
      Buffer.from('ok'),
      Buffer.from('too-long'),
      Buffer.from('fine'),
      Buffer.from('12345'),
    ]);
    const { records, oversized } = decodeFrame(frame, 4);
    expect(records.map((r) => r.toString())).toEqual(['ok', 'fine']);
    expect(oversized.map((o) => [o.index, o.record.toString()])).toEqual([
      [1, 'too-long'],
      [3, '12345'],
    ]);
  });

  it('accepts a record exactly at the limit and treats a limit of 0 as unlimited', () => {
    const frame = encodeFrame([Buffer.from('abcd')]);
    expect(decodeFrame(frame, 4).records).toHaveLength(1);
    expect(decodeFrame(frame, 0).records).toHaveLength(1);
  });

  it('rejects a truncated length prefix', () => {
    expectProtocolError(
      () => decodeFrame(Buffer.from([0, 0, 0, 1, 0x41, 0, 0]), 0),
      /truncated length prefix of record 1 at byte 5 \(2 of 4 bytes\)/,
    );
  });

  it('rejects a truncated body, even of an oversized record', () => {
    expectProtocolError(
      () => decodeFrame(Buffer.from([0, 0, 0, 3, 0x41, 0x42]), 0),
      /truncated body of record 0 at byte 4 \(2 of 3 bytes\)/,
    );
    expectProtocolError(() => decodeFrame(Buffer.from([0, 0, 0, 9, 0x41]), 2), /truncated body of record 0/);
  });

  it('round-trips random record sets, and every cut inside a header or body is an error', () => {
    const random = seededRandom(0x6b65796f);
    for (let round = 0; round < 300; round++) {
      const records = randomRecords(random);
      const frame = encodeFrame(records);
      expect(frame.length).toBe(records.reduce((sum, r) => sum + FRAME_HEADER_BYTES + r.length, 0));
      const decoded = decodeFrame(frame, 0);
      expect(decoded.oversized).toEqual([]);
      expect(decoded.records).toEqual(records);

      const limit = Math.floor(random() * 300);
      const limited = decodeFrame(frame, limit);
      expect(limited.records).toEqual(records.filter((r) => limit === 0 || r.length <= limit));
      expect(limited.oversized.map((o) => o.index)).toEqual(
        records.flatMap((r, i) => (limit > 0 && r.length > limit ? [i] : [])),
      );

      const boundaries = new Set<number>([0]);
      let end = 0;
      for (const r of records) boundaries.add((end += FRAME_HEADER_BYTES + r.length));
      const cut = Math.floor(random() * (frame.length + 1));
      const prefix = frame.subarray(0, cut);
      if (boundaries.has(cut)) {
        expect(decodeFrame(prefix, 0).records).toEqual(records.slice(0, [...boundaries].indexOf(cut)));
      } else {
        expectProtocolError(() => decodeFrame(prefix, 0), /truncated/);
      }
    }
  });
});

describe('takeBatch', () => {
  const rec = (length: number): Buffer => Buffer.alloc(length);

  it('packs records while the frame, headers included, stays within the limit', () => {
    // 4+10 + 4+10 = 28; a third record would make 42 > 30.
    expect(takeBatch([rec(10), rec(10), rec(10)], 30)).toEqual({ kind: 'batch', count: 2, frameBytes: 28 });
    // exactly at the limit is allowed: 4+3 + 4+3 = 14
    expect(takeBatch([rec(3), rec(3), rec(0)], 14)).toEqual({ kind: 'batch', count: 2, frameBytes: 14 });
  });

  it('always takes at least one record that fits the receive limit', () => {
    expect(takeBatch([rec(30), rec(1)], 30)).toEqual({ kind: 'batch', count: 1, frameBytes: 34 });
  });

  it('reports a first record longer than the limit as oversized', () => {
    expect(takeBatch([rec(31), rec(1)], 30)).toEqual({ kind: 'oversized', recordBytes: 31 });
  });

  it('takes everything when the limit is 0, and nothing from an empty queue', () => {
    expect(takeBatch([rec(100), rec(0), rec(7)], 0)).toEqual({ kind: 'batch', count: 3, frameBytes: 119 });
    expect(takeBatch([], 30)).toEqual({ kind: 'batch', count: 0, frameBytes: 0 });
  });

  it('plans frames that match encodeFrame and pass the receiver limit', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 200; round++) {
      let queue = randomRecords(random);
      const limit = 1 + Math.floor(random() * 400);
      while (queue.length > 0) {
        const plan = takeBatch(queue, limit);
        if (plan.kind === 'oversized') {
          expect(queue[0]!.length).toBeGreaterThan(limit);
          queue = queue.slice(1);
          continue;
        }
        const batch = queue.slice(0, plan.count);
        const frame = encodeFrame(batch);
        expect(plan.count).toBeGreaterThan(0);
        expect(frame.length).toBe(plan.frameBytes);
        expect(frame.length <= limit || plan.count === 1).toBe(true);
        expect(decodeFrame(frame, limit)).toEqual({ records: batch, oversized: [] });
        queue = queue.slice(plan.count);
      }
    }
  });
});

describe('ack', () => {
  it('writes {"last_id":…} exactly as Go does, including an empty id', () => {
    expect(encodeAck({ last_id: '0190b3c4-7e1f-7000-8000-000000000001' })).toBe(
      '{"last_id":"0190b3c4-7e1f-7000-8000-000000000001"}',
    );
    expect(encodeAck({ last_id: '' })).toBe('{"last_id":""}');
  });

  it('writes extra fields after last_id, in property order, skipping undefined', () => {
    expect(encodeAck({ refused: ['a', 'b'], last_id: 'z', gone: undefined, note: '<ok>' })).toBe(
      '{"last_id":"z","refused":["a","b"],"note":"\\u003cok\\u003e"}',
    );
  });

  it('reads Go acks and tolerates unknown fields', () => {
    expect(decodeAck('{"last_id":"x"}')).toEqual({ last_id: 'x' });
    expect(decodeAck('{"last_id":""}')).toEqual({ last_id: '' });
    expect(decodeAck(Buffer.from('{"last_id":"x","refused":["y"]}'))).toEqual({
      last_id: 'x',
      refused: ['y'],
    });
  });

  it('reads a missing or null last_id as ""', () => {
    expect(decodeAck('{}')).toEqual({ last_id: '' });
    expect(decodeAck('{"last_id":null}')).toEqual({ last_id: '' });
  });

  it('rejects malformed acks with ERR_PROTOCOL', () => {
    expectProtocolError(() => decodeAck('nope'), /federation ack: invalid JSON/);
    expectProtocolError(() => decodeAck('null'), /ack: expected a JSON object, got null/);
    expectProtocolError(() => decodeAck('{"last_id":5}'), /ack: "last_id" must be a string, got number/);
  });
});

describe('close codes', () => {
  it('uses 4403 "not in allowlist" for allowlist rejections', () => {
    expect(CLOSE_NOT_IN_ALLOWLIST).toBe(4403);
    expect(CLOSE_REASON_NOT_IN_ALLOWLIST).toBe('not in allowlist');
  });
});
