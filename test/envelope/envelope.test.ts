import { describe, expect, it } from 'vitest';
import {
  encodeEnvelope,
  headerOf,
  parseEnvelope,
  readLine,
  scanHeader,
} from '../../internal/envelope/index.js';
import { ErrorCode, hasErrorCode } from '../../internal/errors/index.js';

const HEADER = {
  id: 'id-1',
  ts: '2026-11-23T03:29:51.976211599Z',
  channel: 'orders',
  origin: 'a',
  payloadType: 'T',
};

describe('envelope lines', () => {
  it('encodes in Go field order and parses back', () => {
    const line = encodeEnvelope(
      { ...HEADER, correlationId: 'c', serviceName: 's', route: ['h1'] },
      '{"n":1}',
    );
    expect(line).toBe(
      '{"v":1,"id":"id-1","ts":"2026-11-23T03:29:51.976211599Z","channel":"orders","origin":"a","payload_type":"T","correlation_id":"c","service_name":"s","route":["h1"],"payload":{"n":1}}',
    );
    expect(parseEnvelope(line)).toMatchObject({ id: 'id-1', route: ['h1'], payload: { n: 1 } });
  });

  it('reads the header of a line the scanner declines by parsing it whole', () => {
    const line = encodeEnvelope(
      { ...HEADER, correlationId: 'say ,"payload": here' },
      '{ "payload": {"route":["x"]} }',
    );
    expect(scanHeader(line)).toBeUndefined(); // an escape in the header
    expect(headerOf(line)).toEqual({ id: 'id-1', origin: 'a', route: undefined });
    expect(headerOf('{"v":1,"id":"x"}')).toBeUndefined();
  });

  it('finds the payload key of a parsed payload-last line, so the payload text is kept byte for byte', () => {
    const line = encodeEnvelope(
      { ...HEADER, correlationId: 'say ,"payload": here' },
      '{ "payload": {"route":["x"]}, "n": 1.50 }',
    );
    const view = readLine(line);
    expect(view.envelope).toBeDefined();
    expect(line.slice(view.routeInsertAt)).toBe(',"payload":{ "payload": {"route":["x"]}, "n": 1.50 }}');
  });

  it('finds no payload key in lines whose payload is not last, with unknown fields or on two lines', () => {
    const offset = (line: string): number => readLine(line).routeInsertAt;
    expect(
      offset('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload":1,"payload_type":"T"}'),
    ).toBe(-1);
    expect(
      offset(
        '{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","meta":{"a":1,"payload":2},"payload":3}',
      ),
    ).toBe(-1);
    expect(
      offset('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":3} '),
    ).toBe(-1);
    expect(
      offset('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":[1,\n2]}'),
    ).toBe(-1);
  });

  it('rejects a bad header with ERR_INVALID_RECORD', () => {
    const bad = (line: string): boolean => {
      try {
        readLine(line);
        return false;
      } catch (err) {
        return hasErrorCode(err, ErrorCode.INVALID_RECORD);
      }
    };
    expect(bad('{"v":2,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":1}')).toBe(
      true,
    );
    expect(bad('{"v":1,"id":7,"ts":"t","channel":"c","origin":"o","payload_type":"T","payload":1}')).toBe(
      true,
    );
    expect(
      bad('{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","route":[1],"payload":1}'),
    ).toBe(true);
  });
});
