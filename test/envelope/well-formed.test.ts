import { describe, expect, it } from 'vitest';
import {
  isCanonicalUuid,
  isRfc3339Time,
  routeFieldBytes,
  withoutRouteField,
} from '../../internal/envelope/index.js';

describe('well-formed envelope fields', () => {
  it('accepts canonical lowercase UUIDs of any version, nothing else', () => {
    for (const id of ['738a5de4-5d97-4930-8764-bb11445bb4c7', '0190a000-0000-7000-8000-000000000001'])
      expect(isCanonicalUuid(id), id).toBe(true);
    for (const id of [
      '',
      'id-1',
      '738A5DE4-5D97-4930-8764-BB11445BB4C7',
      '738a5de4x5d97-4930-8764-bb11445bb4c7',
      '738a5de4-5d97-4930-8764-bb11445bb4c',
      '738a5de4-5d97-4930-8764-bb11445bb4c7a',
      '738a5de4-5d97-4930-8764-bb11445bb4cg',
      '{738a5de4-5d97-4930-8764-bb11445bb4c}',
    ])
      expect(isCanonicalUuid(id), id).toBe(false);
  });

  it('accepts RFC 3339 times as Go parses them, and refuses impossible ones', () => {
    for (const ts of [
      '2026-11-23T03:29:51.976211599Z',
      '2026-11-23T03:29:51Z',
      '2026-11-23T03:29:51.9Z',
      '2024-02-29T23:59:59+05:30',
      '2000-02-29T00:00:00-12:00',
    ])
      expect(isRfc3339Time(ts), ts).toBe(true);
    for (const ts of [
      '',
      'yesterday',
      '2026-11-23 03:29:51Z',
      '2026-11-23T03:29:51',
      '2026-11-23T03:29:51.Z',
      '2026-11-23T03:29:51.9762115991Z',
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00+0100',
      '2026-01-01T00:00:00Zjunk',
      '2026-01-01t00:00:00z',
    ])
      expect(isRfc3339Time(ts), ts).toBe(false);
  });

  it('measures a route field and takes it out of a line, canonical or not', () => {
    expect(routeFieldBytes(undefined)).toBe(0);
    expect(routeFieldBytes(['hub1'])).toBe(',"route":["hub1"]'.length);
    const head = '{"v":1,"id":"i","ts":"t","channel":"c","origin":"o","payload_type":"T"';
    expect(withoutRouteField(`${head},"route":["a","b"],"payload":{"route":[1]}}`)).toBe(
      `${head},"payload":{"route":[1]}}`,
    );
    expect(withoutRouteField(`${head},"payload":1}`)).toBe(`${head},"payload":1}`);
    expect(
      withoutRouteField(
        `{"payload":1,"route":["a"],"v":1,"id":"i","ts":"t","channel":"c","origin":"o","payload_type":"T"}`,
      ),
    ).toBe(`${head},"payload":1}`);
  });
});
