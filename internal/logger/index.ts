/**
 * The logger seam: a pino-compatible subset, so embedders pass pino or their own logger, or nothing;
 * the daemon passes its JSON-lines logger.
 */

/** Structured fields attached to a log line. Errors go under `err`. */
export type LogFields = Record<string, unknown>;

/** A pino-compatible structured logger. */
export interface Logger {
  /** Debug detail. */
  debug(fields: LogFields, msg: string): void;
  /** Normal operation. */
  info(fields: LogFields, msg: string): void;
  /** Something an operator should look at. */
  warn(fields: LogFields, msg: string): void;
  /** Something failed. */
  error(fields: LogFields, msg: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

const noop = (): void => undefined;

/** A logger that discards everything; the library default. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

export { withUniqueKeys } from './unique-keys.js';
export { JSON_LOG_LEVELS, jsonLinesLogger, type JsonLinesLogger, type JsonLogLevel } from './json-lines.js';
export { RepeatedLines, type LogLevel, type RepeatedLinesOptions } from './repeated-lines.js';
