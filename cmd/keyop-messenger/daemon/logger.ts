/** The daemon's logger: pino JSON lines on stdout. */
import { pino } from 'pino';
import type { LogLevel } from '../../../src/index.js';
import type { Logger } from '../../../internal/logger/index.js';

/** The daemon's logger, whose level a configuration reload changes. */
export interface DaemonLogger extends Logger {
  /** The lowest level written (`log.level`). */
  level: string;
}

/**
 * A pino logger writing JSON lines to stdout at `level`. Writes are synchronous, so a forced exit
 * (deadline, second signal) loses no line and lines keep their order with stderr.
 */
export function createDaemonLogger(level: LogLevel): DaemonLogger {
  return pino({ level }, pino.destination({ dest: 1, sync: true }));
}
