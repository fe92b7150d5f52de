/**
 * Unique keys on every log line. pino writes a child's bindings and a call's fields side by side, so
 * a key bound twice (`component` on the federation logger and again on the hub's) or bound and
 * passed again (`peer`) appeared twice in one JSON line, which most log tools read as the last one
 * only. This keeps the bindings itself and hands the logger one merged object per line: a child's
 * binding replaces its parent's, a call's field replaces a binding.
 */
import type { LogFields, Logger } from './index.js';

/** `logger` with unique keys on every line, for itself and every child made from it. */
export function withUniqueKeys(logger: Logger): Logger {
  return bound(logger, {});
}

function bound(root: Logger, bindings: LogFields): Logger {
  return {
    debug: (fields, msg) => {
      root.debug({ ...bindings, ...fields }, msg);
    },
    info: (fields, msg) => {
      root.info({ ...bindings, ...fields }, msg);
    },
    warn: (fields, msg) => {
      root.warn({ ...bindings, ...fields }, msg);
    },
    error: (fields, msg) => {
      root.error({ ...bindings, ...fields }, msg);
    },
    child: (more) => bound(root, { ...bindings, ...more }),
  };
}
