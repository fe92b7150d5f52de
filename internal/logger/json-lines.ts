/**
 * A {@link Logger} writing one JSON line per call to a file descriptor, synchronously: the daemon's
 * log on stdout. The line is pino's (the daemon wrote pino's lines before, and log tools read them):
 * `level` as a number, `time` in epoch milliseconds, `pid`, `hostname`, the bindings, the call's
 * fields, then `msg`; an `err` field is written as {@link errorFields} gives.
 */
import fs from 'node:fs';
import os from 'node:os';
import { errorFields } from './error-fields.js';
import type { LogFields, Logger } from './index.js';

/** The levels a {@link JsonLinesLogger} can be set to, lowest first; `silent` writes nothing. */
export const JSON_LOG_LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
} as const;

/** A level name of {@link JSON_LOG_LEVELS}. */
export type JsonLogLevel = keyof typeof JSON_LOG_LEVELS;

/** What every logger made from one root shares: where lines go and the level, changed at run time. */
interface Sink {
  readonly fd: number;
  readonly head: string;
  level: JsonLogLevel;
}

/** The logger returned by {@link jsonLinesLogger}: a {@link Logger} whose `level` can be changed. */
export interface JsonLinesLogger extends Logger {
  /** The lowest level written; setting it applies to this logger and every child made from it. */
  level: JsonLogLevel;
}

/** A logger writing JSON lines to `fd` at `level` and above. */
export function jsonLinesLogger(fd: number, level: JsonLogLevel): JsonLinesLogger {
  const head = `"pid":${process.pid},"hostname":${JSON.stringify(os.hostname())}`;
  return bound({ fd, head, level }, {});
}

function bound(sink: Sink, bindings: LogFields): JsonLinesLogger {
  const write = (level: number, fields: LogFields, msg: string): void => {
    if (level < JSON_LOG_LEVELS[sink.level]) return;
    const body = stringify({ ...bindings, ...fields, msg });
    const rest = body === '{}' ? '}' : `,${body.slice(1)}`;
    fs.writeSync(sink.fd, `{"level":${level},"time":${Date.now()},${sink.head}${rest}\n`);
  };
  return {
    get level() {
      return sink.level;
    },
    set level(next: JsonLogLevel) {
      sink.level = next;
    },
    debug: (fields, msg) => {
      write(JSON_LOG_LEVELS.debug, fields, msg);
    },
    info: (fields, msg) => {
      write(JSON_LOG_LEVELS.info, fields, msg);
    },
    warn: (fields, msg) => {
      write(JSON_LOG_LEVELS.warn, fields, msg);
    },
    error: (fields, msg) => {
      write(JSON_LOG_LEVELS.error, fields, msg);
    },
    child: (more) => bound(sink, { ...bindings, ...more }),
  };
}

/**
 * `fields` as a JSON object: `err` through {@link errorFields}; a value JSON cannot hold (a cycle, a
 * BigInt) as text instead of a lost line.
 */
function stringify(fields: LogFields): string {
  const line = fields.err === undefined ? fields : { ...fields, err: errorFields(fields.err) };
  try {
    return JSON.stringify(line);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(line, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  }
}
