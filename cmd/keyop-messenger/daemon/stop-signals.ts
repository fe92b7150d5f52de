/**
 * SIGTERM and SIGINT for the daemon: the first starts a graceful shutdown, a second one or a passed
 * deadline ends the process at once.
 */
import { systemClock, type Clock } from '../../../internal/clock/index.js';
import { silentLogger, type Logger } from '../../../internal/logger/index.js';

/** How long a graceful shutdown may take before the process is ended: under systemd's TimeoutStopSec=30. */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/** Exit code when a second signal forces the exit: 128 + the signal number. */
const FORCED_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Exit code when the shutdown deadline passes. */
const DEADLINE_EXIT_CODE = 1;

/** A signal that stops the daemon. */
export type StopSignal = keyof typeof FORCED_EXIT_CODES;

/** Where stop signals arrive: `process`, or an emitter standing in for it in tests. */
export interface SignalSource {
  /** Calls `listener` with the signal's name each time `signal` arrives. */
  on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
}

/** Settings of {@link watchStopSignals}. */
export interface StopSignalOptions {
  /** Where the signals arrive: `process`. */
  readonly source: SignalSource;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Time from the first signal until the process is ended regardless. */
  readonly deadlineMs: number;
  /** Ends the process at once with `code` (`process.exit`). */
  readonly forceExit: (code: number) => void;
}

/**
 * Handles SIGTERM and SIGINT from now on. Resolves with the first one, which starts the deadline; a
 * second signal forces exit 130 (SIGINT) or 143 (SIGTERM), the deadline forces exit 1.
 */
export function watchStopSignals(options: StopSignalOptions): Promise<StopSignal> {
  const { source, logger, clock, deadlineMs, forceExit } = options;
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: StopSignal): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal during shutdown; forcing exit');
        forceExit(FORCED_EXIT_CODES[signal]);
        return;
      }
      stopping = true;
      clock.setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown deadline passed; forcing exit');
        forceExit(DEADLINE_EXIT_CODE);
      }, deadlineMs);
      resolve(signal);
    };
    for (const signal of Object.keys(FORCED_EXIT_CODES) as StopSignal[]) source.on(signal, onSignal);
  });
}

/**
 * For a command that runs until interrupted: aborts `stop` at the first SIGTERM or SIGINT of the
 * process; a second signal, or `deadlineMs` after the first, ends the process at once.
 */
export function abortOnStopSignal(stop: AbortController, deadlineMs: number): void {
  void watchStopSignals({
    source: process,
    logger: silentLogger,
    clock: systemClock,
    deadlineMs,
    forceExit: (code) => process.exit(code),
  }).then(() => {
    stop.abort();
  });
}
