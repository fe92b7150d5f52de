import { describe, expect, it } from 'vitest';
import { nextCursor } from '../../internal/streams/index.js';
import { parseConfig, sameConfig } from '../../internal/streams/subscriptions/config.js';
import { globMatch } from '../../internal/streams/subscriptions/glob.js';
import { webhookUrlProblem } from '../../internal/streams/subscriptions/webhook-security.js';

describe('subscription patterns', () => {
  it('match one segment with *, any number with **, and literals exactly', () => {
    expect(globMatch('events/*', 'events/a')).toBe(true);
    expect(globMatch('events/*', 'events/a/b')).toBe(false);
    expect(globMatch('events/**', 'events')).toBe(true);
    expect(globMatch('events/**', 'events/a/b')).toBe(true);
    expect(globMatch('**/b', 'x/y/b')).toBe(true);
    expect(globMatch('/events/a/', 'events/a')).toBe(true);
    expect(globMatch('events/%2A', 'events/*')).toBe(true);
    expect(globMatch('events/%2A', 'events/a')).toBe(false);
  });
});

describe('subscription configuration', () => {
  it('validates and compares configurations', () => {
    const a = parseConfig({ type: 'pull-wake', streams: ['/b/', 'a'], wake_stream: 'w' });
    expect(a).toEqual({ type: 'pull-wake', streams: ['b', 'a'], leaseTtlMs: 30_000, wakeStream: 'w' });
    expect(sameConfig(a, parseConfig({ type: 'pull-wake', streams: ['a', 'b'], wake_stream: 'w' }))).toBe(
      true,
    );
    expect(sameConfig(a, parseConfig({ type: 'pull-wake', streams: ['a'], wake_stream: 'w' }))).toBe(false);
    expect(() => parseConfig({ type: 'pull-wake', streams: ['a'] })).toThrow(/wake_stream/);
    expect(() => parseConfig({ type: 'webhook', pattern: 'x/*', lease_ttl_ms: 10 })).toThrow(/lease_ttl_ms/);
    expect(() => parseConfig({ type: 'mail', pattern: 'x' })).toThrow(/type/);
  });

  it('accept https and loopback http webhooks, refuse private, link-local and other http targets', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x')).toBeUndefined();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(webhookUrlProblem('http://localhost/hook')).toBeUndefined();
    for (const bad of [
      'http://10.0.0.1/hook',
      'https://192.168.1.2/x',
      'https://169.254.169.254/',
      'ftp://x/',
      'nope',
    ]) {
      expect(webhookUrlProblem(bad), bad).toBeDefined();
    }
  });
});

describe('live cursors', () => {
  it('count 20-second intervals and always move past an echoed cursor', () => {
    const now = Date.UTC(2024, 9, 9, 0, 1, 0);
    expect(nextCursor(now, undefined)).toBe('3');
    expect(nextCursor(now, '1')).toBe('3');
    const echoed = nextCursor(now, '3', () => 0);
    expect(Number(echoed)).toBeGreaterThan(3);
    expect(Number(nextCursor(now, '500', () => 0.999))).toBeGreaterThan(500 + 100);
    expect(nextCursor(now, 'junk')).toBe('3');
  });
});
