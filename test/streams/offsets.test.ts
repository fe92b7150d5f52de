import { describe, expect, it } from 'vitest';
import { formatOffset, parseOffsetRequest, parseOffsetToken } from '../../internal/streams/index.js';

describe('offset tokens', () => {
  it('render byte offsets as fixed-width tokens that sort like the numbers', () => {
    const offsets = [0, 9, 10, 123_456, 9_007_199_254_740_991];
    const tokens = offsets.map(formatOffset);
    expect(tokens[0]).toBe('0000000000000000_0000000000000000');
    expect(tokens.every((t) => t.length === 33)).toBe(true);
    expect([...tokens].sort()).toEqual(tokens);
    expect(tokens.map(parseOffsetToken)).toEqual(offsets);
  });

  it('parse the sentinels -1 and now', () => {
    expect(parseOffsetRequest('-1')).toEqual({ kind: 'beginning' });
    expect(parseOffsetRequest('now')).toEqual({ kind: 'now' });
    expect(parseOffsetRequest(formatOffset(42))).toEqual({ kind: 'at', offset: 42 });
  });

  it('refuse anything this server does not issue', () => {
    for (const bad of [
      '',
      '0',
      '0,1',
      '0 1',
      '../x',
      '0000000000000000_000000000000000',
      '0000000000000001_0000000000000000',
      '0000000000000000_9999999999999999',
      'NOW',
      '-2',
    ]) {
      expect(parseOffsetRequest(bad), bad).toBeUndefined();
    }
  });
});
