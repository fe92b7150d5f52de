import { describe, expect, it } from 'vitest';
import { newEnvelopeId } from '../../internal/envelope/index.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function bytesOf(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function timeOf(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

describe('newEnvelopeId', () => {
  it('makes 100,000 ids in a tight loop strictly increasing as strings and as bytes, valid and unique', () => {
    const ids = Array.from({ length: 100_000 }, () => newEnvelopeId(Date.now()));
    for (let i = 1; i < ids.length; i++) {
      const [before, after] = [ids[i - 1]!, ids[i]!];
      if (!(before < after) || Buffer.compare(bytesOf(before), bytesOf(after)) >= 0) {
        expect.fail(`ids ${i - 1} and ${i} are out of order: ${before} then ${after}`);
      }
    }
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes RFC 9562 version-7 UUIDs carrying the millisecond time', () => {
    const now = Date.UTC(2099, 10, 23, 3, 29, 51, 976); // later than the ids above
    const id = newEnvelopeId(now);
    expect(id).toMatch(UUID_V7);
    expect(timeOf(id)).toBe(now);
  });

  it('stays increasing when the clock goes backwards, keeping the last time', () => {
    const later = Date.UTC(2100, 0, 1);
    const first = newEnvelopeId(later);
    const afterStep = newEnvelopeId(later - 60_000);
    const next = newEnvelopeId(Date.UTC(2100, 0, 1, 0, 0, 0, 1));
    expect(first < afterStep && afterStep < next).toBe(true);
    expect(timeOf(afterStep)).toBe(later);
    expect(timeOf(next)).toBe(later + 1);
  });
});
