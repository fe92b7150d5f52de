import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { withUniqueKeys } from '../../internal/logger/index.js';
import { duplicateKeys } from '../support/json-keys.js';

/** A pino logger writing into `lines`. */
function capturingPino(lines: string[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return pino({ base: null, timestamp: false }, sink);
}

describe('withUniqueKeys', () => {
  it('writes each key once: a child binding replaces its parent, a call field replaces a binding', () => {
    const lines: string[] = [];
    const log = withUniqueKeys(capturingPino(lines)).child({ component: 'federation' });
    const session = log.child({ component: 'hub' }).child({ peer: 'edge-1' });
    session.warn({ peer: 'edge-1', err: new Error('gone') }, 'lost');
    log.info({}, 'plain');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(duplicateKeys(line)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'hub', peer: 'edge-1', msg: 'lost' });
    expect((JSON.parse(lines[0]!) as { err: unknown }).err).toMatchObject({ message: 'gone' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component: 'federation', msg: 'plain' });
  });

  it('duplicateKeys sees what JSON.parse hides, at any depth, and ignores keys inside strings', () => {
    expect(duplicateKeys('{"a":1,"a":2}')).toEqual(['a']);
    expect(duplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":1},{"d":2}]}')).toEqual(['b']);
    expect(duplicateKeys('{"a":"\\"a\\":1","b":"x"}')).toEqual([]);
  });
});
