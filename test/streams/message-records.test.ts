import { describe, expect, it } from 'vitest';
import { EnvelopeEncoder, encodeEnvelope } from '../../internal/envelope/index.js';
import { systemClock } from '../../internal/clock/index.js';
import {
  LineScanner,
  PAYLOAD_TYPES,
  bodyPayload,
  encodeControl,
  encodeLines,
  parseControl,
  scanLine,
  type RecordScan,
} from '../../internal/streams/message-records.js';

const origin = 'node-é';
const source = { channel: 'events.eu', encoder: new EnvelopeEncoder(origin), clock: systemClock };

function scanAll(text: string, scanner?: LineScanner): { kind: string; payload: string }[] {
  const bytes = Buffer.from(text).toString('latin1');
  const out: { kind: string; payload: string }[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf('\n', start);
    const scan: RecordScan = { kind: 'foreign', start: 0, end: 0, parsed: undefined };
    const ok =
      scanner === undefined ? scanLine(bytes, start, end, scan) : scanner.scan(bytes, start, end, scan);
    if (ok) {
      const payload = scan.parsed ?? Buffer.from(bytes.slice(scan.start, scan.end), 'latin1');
      out.push({ kind: scan.kind, payload: payload.toString('utf8') });
    }
    start = end + 1;
  }
  return out;
}

describe('stream records', () => {
  it('round-trip every payload type through the fast scanner and the generic one', () => {
    const text =
      encodeLines(source, PAYLOAD_TYPES.json, ['{"a":"é"}', '[1,2]']) +
      encodeLines(source, PAYLOAD_TYPES.text, ['"line\\nnext"']) +
      encodeLines(source, PAYLOAD_TYPES.bytes, ['"AAEC"']) +
      encodeControl(source, { closed: true, seq: '7' });
    const expected = [
      { kind: 'json', payload: '{"a":"é"}' },
      { kind: 'json', payload: '[1,2]' },
      { kind: 'text', payload: '"line\\nnext"' },
      { kind: 'bytes', payload: '"AAEC"' },
      { kind: 'control', payload: '{"closed":true,"seq":"7"}' },
    ];
    expect(scanAll(text, new LineScanner(source.channel, origin))).toEqual(expected);
    expect(scanAll(text)).toEqual(expected);
  });

  it('read envelopes of other layouts and origins (Messenger.publish, federation) as foreign messages', () => {
    const published = encodeEnvelope(
      {
        id: 'not-a-uuid',
        ts: '2026-01-01T00:00:00Z',
        channel: 'events.eu',
        origin: 'elsewhere',
        payloadType: 'com.example.Order',
        correlationId: 'c-1',
        route: ['a', 'b'],
      },
      '{"payload_type":"durable-streams/json","payload":1}',
    );
    const reordered = JSON.stringify({
      payload: { x: 1 },
      v: 1,
      id: 'i',
      ts: 't',
      channel: 'c',
      origin: 'o',
      payload_type: 'durable-streams/json',
    });
    const scanner = new LineScanner(source.channel, origin);
    expect(scanAll(`${published}\n${reordered}\nnot json\n`, scanner)).toEqual([
      { kind: 'foreign', payload: '{"payload_type":"durable-streams/json","payload":1}' },
      { kind: 'json', payload: '{"x":1}' },
    ]);
  });

  it('store valid UTF-8 text as a string and anything else as base64', () => {
    expect(bodyPayload(Buffer.from('héllo'), true)).toEqual({
      payloadType: PAYLOAD_TYPES.text,
      payload: '"héllo"',
    });
    expect(bodyPayload(Buffer.from([0xff, 0x00]), true)).toEqual({
      payloadType: PAYLOAD_TYPES.bytes,
      payload: '"/wA="',
    });
    expect(bodyPayload(Buffer.from('hello'), false)).toEqual({
      payloadType: PAYLOAD_TYPES.bytes,
      payload: '"aGVsbG8="',
    });
    const controlChars = Buffer.from('\u0001\u0002\u0003\u0004');
    expect(bodyPayload(controlChars, true).payloadType).toBe(PAYLOAD_TYPES.bytes);
  });

  it('write a control record only when it carries something', () => {
    expect(encodeControl(source, {})).toBe('');
    expect(encodeControl(source, { producer: { id: 'p', epoch: 0, seq: 1 } })).toContain(
      '"payload_type":"durable-streams/control"',
    );
  });

  it('accept only well-formed control payloads', () => {
    expect(parseControl('{"closed":true,"producer":{"id":"p","epoch":1,"seq":2},"seq":"a"}')).toEqual({
      closed: true,
      producer: { id: 'p', epoch: 1, seq: 2 },
      seq: 'a',
    });
    for (const bad of [
      '{"closed":false}',
      '{"seq":3}',
      '{"producer":{"id":"p","epoch":-1,"seq":0}}',
      '[]',
      'nope',
    ]) {
      expect(parseControl(bad), bad).toBeUndefined();
    }
  });
});
