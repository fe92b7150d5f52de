import { describe, expect, it } from 'vitest';
import { newEnvelopeId } from '../../internal/envelope/index.js';

describe('newEnvelopeId', () => {
  it('makes RFC 9562 version-7 UUIDs carrying the millisecond time', () => {
    const now = Date.UTC(2026, 10, 23, 3, 29, 51, 976);
    const id = newEnvelopeId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts by time and does not repeat across many ids', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      newEnvelopeId(1_700_000_000_000 + Math.floor(i / 100)),
    );
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 13));
    expect([...prefixes].sort()).toEqual(prefixes);
  });
});
