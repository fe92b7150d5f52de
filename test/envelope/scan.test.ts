import { describe, expect, it } from 'vitest';
import { encodeEnvelope, parseEnvelope, scanLine } from '../../internal/envelope/index.js';

const HEADER = {
  id: '01a2096e-c68c-70d8-a297-7fccf69d74c4',
  ts: '2026-11-23T03:29:51.976211599Z',
  channel: 'orders',
  origin: 'a',
  payloadType: 'T',
};

/** What {@link parseEnvelope} makes of `line`: the fields scanLine reads, and the payload. */
function parsedWhole(line: string): { fields: object; payload: unknown } {
  const { id, ts, channel, origin, payload_type: payloadType, route, payload } = parseEnvelope(line);
  return { fields: { id, ts, channel, origin, payloadType, route }, payload };
}

/** scanLine's reading of `line`, with its payload parsed from the text it points at. */
function readFast(line: string): { fields: object; payload: unknown } | undefined {
  const read = scanLine(line);
  if (read === undefined) return undefined;
  const { id, ts, channel, origin, payloadType, route, payloadAt, routeInsertAt } = read;
  expect(line.slice(routeInsertAt)).toMatch(route === undefined ? /^,"payload":/ : /^\],"payload":/);
  const payloadText = line.slice(payloadAt, -1);
  return { fields: { id, ts, channel, origin, payloadType, route }, payload: JSON.parse(payloadText) };
}

describe('scanLine', () => {
  it('reads what the encoder writes, every optional field included, as JSON.parse does', () => {
    const lines = [
      encodeEnvelope(HEADER, '{"n":1}'),
      encodeEnvelope(
        { ...HEADER, correlationId: 'c', serviceName: 's', route: ['h1', 'h2'] },
        '[1,"x",null]',
      ),
      encodeEnvelope({ ...HEADER, serviceName: 'say payload: here', route: ['h1'] }, '"é ,\\"payload\\":"'),
      encodeEnvelope({ ...HEADER, channel: 'é', origin: '' }, '{ "a" : [ true , false ] }\r\t '),
    ];
    for (const line of lines) {
      expect(readFast(line)).toEqual(parsedWhole(line));
    }
    const line = encodeEnvelope(HEADER, '{"n":1}');
    expect(line.slice(scanLine(line)!.payloadAt)).toBe('{"n":1}}');
    expect(scanLine(`x${line}\n`, 1, line.length + 1)).toMatchObject({
      idAt: 14,
      payloadAt: 1 + line.indexOf('{"n"'),
    });
  });

  it('declines every other line, which parseEnvelope then reads or rejects', () => {
    const head = `{"v":1,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T"`;
    const declined = [
      `${head},"payload":{"a":\n1}}`, // valid JSON, but not one line
      `${head},"payload":{"a":1}`, // payload not closed
      `${head},"payload":{"a":1}} `, // not ending with the closing brace
      `${head},"payload":1,"x":2}`, // a field after the payload
      `${head},"route":["a"],"payload":1,"payload":2}`, // a second payload
      `${head},"route":[],"payload":1}`, // an empty route
      `${head},"meta":{"payload":1},"payload":1}`, // an unknown field
      `${head},"route":["a\\"b"],"payload":1}`, // an escape in the header
      `${head},"route":[1],"payload":1}`, // a route of numbers
      `{"v":1, "id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":1}`, // a space
      `{"v":2,"id":"x","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":1}`, // a version
      `{"v":1,"id":"x","ts":"t","origin":"o","channel":"c","payload_type":"T","payload":1}`, // the order
      `{"v":1,"id":"x\u0001","ts":"t","channel":"c","origin":"o","payload_type":"T","payload":1}`, // a control
    ];
    for (const line of declined) expect(scanLine(line), line).toBeUndefined();
    expect(parsedWhole(`${head},"payload":{"a":\n1}}`).payload).toEqual({ a: 1 });
  });
});
