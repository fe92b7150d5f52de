import { describe, expect, it } from 'vitest';
import { encodeEnvelope, parseEnvelope, readCanonicalLine } from '../../internal/envelope/index.js';

const HEADER = {
  id: '01a2096e-c68c-70d8-a297-7fccf69d74c4',
  ts: '2026-11-23T03:29:51.976211599Z',
  channel: 'orders',
  origin: 'a',
  payloadType: 'T',
};

/** What {@link parseEnvelope} makes of `line`: the fields readCanonicalLine reads, and the payload. */
function parsedWhole(line: string): { fields: object; payload: unknown } {
  const { id, ts, channel, origin, route, payload } = parseEnvelope(line);
  return { fields: { id, ts, channel, origin, route }, payload };
}

/** readCanonicalLine's reading of `line`, with its payload parsed from the text it points at. */
function readFast(line: string): { fields: object; payload: unknown } | undefined {
  const read = readCanonicalLine(line);
  if (read === undefined) return undefined;
  const { id, ts, channel, origin, route, payloadKeyAt } = read;
  if (route !== undefined) expect(line.charAt(payloadKeyAt - 1)).toBe(']');
  const payloadText = line.slice(payloadKeyAt + ',"payload":'.length, -1);
  return { fields: { id, ts, channel, origin, route }, payload: JSON.parse(payloadText) };
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('canonical envelope lines', () => {
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
    expect(line.slice(readCanonicalLine(line)!.payloadKeyAt)).toBe(',"payload":{"n":1}}');
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
    for (const line of declined) expect(readCanonicalLine(line), line).toBeUndefined();
    expect(parsedWhole(`${head},"payload":{"a":\n1}}`).payload).toEqual({ a: 1 });
  });

  it('agrees with JSON.parse on 20,000 random corruptions of canonical lines, or declines them', () => {
    const next = random(20261123);
    const alphabet = ['"', '\\', ',', ':', '{', '}', '[', ']', ' ', '\n', '1', 'a', 'e', '-', '.', 'route'];
    const base = [
      encodeEnvelope({ ...HEADER, correlationId: 'c', route: ['h1', 'h2'] }, '{"n":[1,2.5e3,"s"],"t":true}'),
      encodeEnvelope(HEADER, '"text"'),
    ];
    let read = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = base[i % base.length]!;
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const at = Math.floor(next() * line.length);
        const piece = alphabet[Math.floor(next() * alphabet.length)]!;
        const kind = next();
        if (kind < 0.4) line = line.slice(0, at) + line.slice(at + 1);
        else if (kind < 0.7) line = line.slice(0, at) + piece + line.slice(at);
        else line = line.slice(0, at) + piece + line.slice(at + 1);
      }
      const fast = readFast(line);
      if (fast === undefined) continue;
      read++;
      expect(line.includes('\n'), line).toBe(false);
      expect(fast, line).toEqual(parsedWhole(line));
    }
    // Corruptions inside the payload's strings and numbers mostly keep the line canonical.
    expect(read).toBeGreaterThan(1000);
  });
});
