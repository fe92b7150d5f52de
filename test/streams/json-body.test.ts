import { describe, expect, it } from 'vitest';
import { splitJsonBody } from '../../internal/streams/json-body.js';

const split = (text: string): string[] | string => {
  const result = splitJsonBody(Buffer.from(text));
  return result.ok ? result.messages : result.reason;
};

describe('JSON append bodies', () => {
  it('flatten arrays exactly one level', () => {
    expect(split('{"a":1}')).toEqual(['{"a":1}']);
    expect(split('[{"a":1},{"b":2}]')).toEqual(['{"a":1}', '{"b":2}']);
    expect(split('[[1,2],[3,4]]')).toEqual(['[1,2]', '[3,4]']);
    expect(split('[[[1,2,3]]]')).toEqual(['[[1,2,3]]']);
    expect(split('[]')).toEqual([]);
    expect(split(' [ "a,b" , "]" , {"x":[1,{"y":"}"}]} ] ')).toEqual(['"a,b"', '"]"', '{"x":[1,{"y":"}"}]}']);
  });

  it('keep each element exactly as sent (no re-serialising)', () => {
    expect(split('[12345678901234567890, 1.0, {"b":1,"a":2}, "\\u00e9\\"x"]')).toEqual([
      '12345678901234567890',
      '1.0',
      '{"b":1,"a":2}',
      '"\\u00e9\\"x"',
    ]);
  });

  it('turn line breaks between tokens into spaces so each message fits on one line', () => {
    expect(split('{\n"a":\r\n1}')).toEqual(['{ "a":  1}']);
    expect(split('[\n1,\n2\n]')).toEqual(['1', '2']);
  });

  it('refuse invalid JSON and invalid UTF-8 with a reason', () => {
    expect(split('{ invalid json }')).toMatch(/^invalid JSON/);
    expect(split('')).toMatch(/^invalid JSON/);
    expect(split('[1,]')).toMatch(/^invalid JSON/);
    const latin1 = splitJsonBody(Buffer.from([0x22, 0xe9, 0x22]));
    expect(latin1).toEqual({ ok: false, reason: 'body is not valid UTF-8' });
  });
});
