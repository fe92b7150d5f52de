/**
 * An error as the fields of a log line, in the shape pino's standard `err` serializer gives (the
 * daemon wrote pino's lines before, and log tools read them): `type`, `message` and `stack` with
 * their causes appended, `aggregateErrors`, then the error's other enumerable properties (`code`,
 * `errno`, `syscall`, `path` …).
 */

/** Whether `value` looks like an Error (an Error from another realm included). */
function isErrorLike(value: unknown): value is Error {
  return (
    value instanceof Error ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { message?: unknown }).message === 'string' &&
      typeof (value as { stack?: unknown }).stack === 'string')
  );
}

/** The chain of `err`'s causes that are errors, `err` first, each once. */
function causeChain(err: Error): Error[] {
  const chain: Error[] = [];
  let at: unknown = err;
  while (isErrorLike(at) && !chain.includes(at)) {
    chain.push(at);
    at = at.cause;
  }
  return chain;
}

/** `err` (or any value, returned as is when it is not an error) as log fields. */
export function errorFields(err: unknown, seen: Set<Error> = new Set()): unknown {
  if (!isErrorLike(err)) return err;
  seen.add(err);
  const chain = causeChain(err);
  const fields: Record<string, unknown> = {
    type: typeof err.constructor === 'function' ? err.constructor.name : err.name,
    message: chain.map((e) => e.message).join(': '),
    stack: chain.map((e) => e.stack ?? '').join('\ncaused by: '),
  };
  const aggregated = (err as { errors?: unknown }).errors;
  if (Array.isArray(aggregated)) fields.aggregateErrors = aggregated.map((e) => errorFields(e, seen));
  for (const key in err) {
    if (key in fields) continue;
    const value = (err as unknown as Record<string, unknown>)[key];
    if (!isErrorLike(value)) fields[key] = value;
    // An error cause is in the message and stack already.
    else if (key !== 'cause' && !seen.has(value)) fields[key] = errorFields(value, seen);
  }
  return fields;
}
