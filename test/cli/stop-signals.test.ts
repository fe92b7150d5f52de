import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchStopSignals, type StopSignal } from '../../cmd/keyop-messenger/daemon/stop-signals.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';

/** Stop-signal handling on a stand-in for `process`, recording forced exits. */
function watch(deadlineMs = 25_000) {
  const source = new EventEmitter();
  const clock = new FakeClock();
  const logger = new MemoryLogger();
  const exits: number[] = [];
  const stopRequested = watchStopSignals({
    source,
    logger,
    clock,
    deadlineMs,
    forceExit: (code) => exits.push(code),
  });
  const send = (signal: StopSignal): boolean => source.emit(signal, signal);
  return { clock, logger, exits, stopRequested, send };
}

describe('watchStopSignals', () => {
  it.each([
    ['SIGTERM', 'SIGINT', 130],
    ['SIGINT', 'SIGTERM', 143],
    ['SIGTERM', 'SIGTERM', 143],
  ] as const)(
    'resolves with the first %s and forces exit on a second signal (%s → %i)',
    async (first, second, code) => {
      const { exits, stopRequested, send, logger } = watch();
      send(first);
      expect(await stopRequested).toBe(first);
      expect(exits).toEqual([]);
      send(second);
      expect(exits).toEqual([code]);
      expect(logger.find('second signal')).toEqual([
        { level: 'warn', msg: 'second signal during shutdown; forcing exit', fields: { signal: second } },
      ]);
    },
  );

  it('forces exit 1 when the shutdown outlasts the deadline, counted from the first signal', async () => {
    const { clock, exits, stopRequested, send, logger } = watch(1_000);
    await clock.advance(5_000);
    expect(exits).toEqual([]);
    send('SIGTERM');
    await stopRequested;
    await clock.advance(999);
    expect(exits).toEqual([]);
    await clock.advance(1);
    expect(exits).toEqual([1]);
    expect(logger.find('deadline')).toEqual([
      { level: 'error', msg: 'shutdown deadline passed; forcing exit', fields: { deadlineMs: 1_000 } },
    ]);
  });
});
