import { describe, expect, it } from 'vitest';
import { RepeatedLines } from '../../internal/logger/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';

describe('RepeatedLines', () => {
  it('writes the first lines of a key per interval, then one summary with the count and the last fields', async () => {
    const clock = new FakeClock();
    const log = new MemoryLogger();
    const lines = new RepeatedLines({ burst: 3, intervalMs: 1000, clock });
    for (let i = 0; i < 10; i++) lines.log(log, 'warn', 'a', { n: i }, 'bad record');
    lines.log(log, 'info', 'b', { n: 0 }, 'other');
    expect(log.entries.map((e) => [e.level, e.msg, e.fields['n']])).toEqual([
      ['warn', 'bad record', 0],
      ['warn', 'bad record', 1],
      ['warn', 'bad record', 2],
      ['info', 'other', 0],
    ]);

    await clock.advance(999);
    expect(log.entries).toHaveLength(4);
    await clock.advance(1);
    expect(log.entries.slice(4)).toEqual([
      {
        level: 'warn',
        msg: 'bad record (suppressed 7 similar lines in 1000 ms)',
        fields: { n: 9, suppressed: 7 },
      },
    ]);

    // A new interval writes again; a key with nothing suppressed ends without a summary.
    lines.log(log, 'warn', 'a', { n: 10 }, 'bad record');
    await clock.advance(1000);
    expect(log.entries.slice(5).map((e) => e.msg)).toEqual(['bad record']);
  });

  it('writes pending summaries on flush', () => {
    const log = new MemoryLogger();
    const lines = new RepeatedLines({ burst: 1, intervalMs: 60_000, clock: new FakeClock() });
    lines.log(log, 'error', 'k', {}, 'x');
    lines.log(log, 'error', 'k', {}, 'x');
    lines.flush();
    expect(log.entries.map((e) => e.msg)).toEqual(['x', 'x (suppressed 1 similar lines in 60000 ms)']);
  });
});
