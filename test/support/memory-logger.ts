/** A logger that records every line, for assertions on what was logged. */
import type { LogFields, Logger } from '../../internal/logger/index.js';

/** One recorded log line. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: LogFields;
}

/** A {@link Logger} that keeps every entry (children share the list). */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[];
  readonly #bindings: LogFields;

  constructor(entries: LogEntry[] = [], bindings: LogFields = {}) {
    this.entries = entries;
    this.#bindings = bindings;
  }

  debug(fields: LogFields, msg: string): void {
    this.entries.push({ level: 'debug', msg, fields: { ...this.#bindings, ...fields } });
  }
  info(fields: LogFields, msg: string): void {
    this.entries.push({ level: 'info', msg, fields: { ...this.#bindings, ...fields } });
  }
  warn(fields: LogFields, msg: string): void {
    this.entries.push({ level: 'warn', msg, fields: { ...this.#bindings, ...fields } });
  }
  error(fields: LogFields, msg: string): void {
    this.entries.push({ level: 'error', msg, fields: { ...this.#bindings, ...fields } });
  }
  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.entries, { ...this.#bindings, ...bindings });
  }

  /** Entries whose message contains `text`. */
  find(text: string): LogEntry[] {
    return this.entries.filter((e) => e.msg.includes(text));
  }
}
