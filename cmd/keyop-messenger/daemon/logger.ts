/** The daemon's logger: JSON lines on stdout (pino's format, see internal/logger/json-lines.ts). */
import type { LogLevel } from '../../../src/index.js';
import { jsonLinesLogger, type JsonLinesLogger } from '../../../internal/logger/index.js';

/** The daemon's logger, whose level a configuration reload changes (for every child too). */
export type DaemonLogger = JsonLinesLogger;

/**
 * A logger writing JSON lines to stdout at `level`. Writes are synchronous, so a forced exit
 * (deadline, second signal) loses no line and lines keep their order with stderr.
 */
export function createDaemonLogger(level: LogLevel): DaemonLogger {
  return jsonLinesLogger(1, level);
}
