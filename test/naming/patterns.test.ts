import { describe, expect, it } from 'vitest';
import {
  ChannelPatternSet,
  channelPatternProblem,
  matchesChannelPattern,
} from '../../internal/naming/index.js';

describe('channel patterns (NATS convention)', () => {
  it.each([
    ['orders', 'orders', true],
    ['orders', 'orders.eu', false],
    ['orders.*', 'orders.eu', true],
    ['orders.*', 'orders', false],
    ['orders.*', 'orders.eu.paris', false],
    ['*.temp', 'kitchen.temp', true],
    ['sensors.*.temp', 'sensors.kitchen.temp', true],
    ['sensors.*.temp', 'sensors.kitchen.humidity', false],
    ['orders.>', 'orders.eu', true],
    ['orders.>', 'orders.eu.paris', true],
    ['orders.>', 'orders', false],
    ['orders.>', 'ordersx.eu', false],
    ['>', 'anything.at.all', true],
    ['>', 'x', true],
    ['*', 'x', true],
    ['*', 'x.y', false],
    ['a.*.>', 'a.b.c.d', true],
    ['a.*.>', 'a.b', false],
  ])('%s against %s is %s', (pattern, channel, expected) => {
    expect(channelPatternProblem(pattern)).toBeUndefined();
    expect(matchesChannelPattern(pattern, channel)).toBe(expected);
  });

  it.each([
    ['', 'must not be empty'],
    ['a.>.b', '">" must be the last token'],
    ['a.b*', 'wildcard inside token "b*"'],
    ['a.>x', 'wildcard inside token ">x"'],
    ['a/b', 'characters outside'],
    ['x'.repeat(256), 'exceeds 255 bytes'],
  ])('rejects %j: %s', (pattern, problem) => {
    expect(channelPatternProblem(pattern)).toContain(problem);
  });

  it('a set matches when any of its patterns does, and an empty set matches nothing', () => {
    const set = new ChannelPatternSet(['orders.>', 'audit']);
    expect(set.matches('orders.eu')).toBe(true);
    expect(set.matches('audit')).toBe(true);
    expect(set.matches('audit.x')).toBe(false);
    expect(new ChannelPatternSet([]).matches('orders')).toBe(false);
  });
});
