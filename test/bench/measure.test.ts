import { describe, expect, it } from 'vitest';
import {
  ackedRateValues,
  ackMetricNames,
  inFlight,
  LatencySamples,
  measureAcks,
  withAckUnits,
} from '../../bench/measure.js';

describe('send → ack latency samples', () => {
  it('gives exact percentiles of the sorted samples, in µs, whatever the order they came in', () => {
    const samples = new LatencySamples();
    // 1 … 2,000 ms in a scrambled order (past the first 1,024 slots, so the buffer grows).
    for (let i = 0; i < 2000; i++) samples.add(((i * 7919) % 2000) + 1);
    expect(samples.count).toBe(2000);
    const { p50, p99 } = samples.percentiles();
    expect(p50).toBeCloseTo(1000.5 * 1000);
    expect(p99).toBeCloseTo((1 + 0.99 * 1999) * 1000);
  });

  it('records one sample per call of a run, each from the call to its settling', async () => {
    let calls = 0;
    const result = await measureAcks(async (acks) => {
      await inFlight(
        3000,
        64,
        () =>
          new Promise<void>((resolve) => {
            calls++;
            setImmediate(resolve);
          }),
        acks,
      );
      expect(acks.count).toBe(calls);
      return calls;
    });
    expect(result.rate).toBe(3000);
    // Each call waited for a turn of the event loop: no sample is zero.
    expect(result.ack.p50).toBeGreaterThan(0);
    expect(result.ack.p99).toBeGreaterThanOrEqual(result.ack.p50);
  });

  it('names the percentiles after the rate and gives them µs', () => {
    expect(ackMetricNames('peer.redis.xadd.always.c1')).toEqual({
      p50: 'peer.redis.xadd.always.c1.ack_p50_us',
      p99: 'peer.redis.xadd.always.c1.ack_p99_us',
    });
    expect(withAckUnits({ 'storage.publish.always.c1': 'msgs/s' })).toEqual({
      'storage.publish.always.c1': 'msgs/s',
      'storage.publish.always.c1.ack_p50_us': 'µs',
      'storage.publish.always.c1.ack_p99_us': 'µs',
    });
    expect(ackedRateValues('x', { rate: 10, ack: { p50: 1, p99: 2 } })).toEqual({
      x: 10,
      'x.ack_p50_us': 1,
      'x.ack_p99_us': 2,
    });
  });
});
