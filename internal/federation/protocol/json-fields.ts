/**
 * Reading untrusted JSON control messages (handshake, ack) with protocol errors that name the field.
 */
import { ErrorCode, MessengerError, errorMessage } from '../../errors/index.js';

/** A parsed JSON object from the wire. */
export type JsonObject = Record<string, unknown>;

/** Parses `text` as one JSON object; anything else is an `ERR_PROTOCOL` error mentioning `what`. */
export function parseJsonObject(text: string | Uint8Array, what: string): JsonObject {
  const source =
    typeof text === 'string'
      ? text
      : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err) {
    throw protocolError(`${what}: invalid JSON (${errorMessage(err)})`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw protocolError(`${what}: expected a JSON object, got ${describe(parsed)}`);
  }
  return parsed as JsonObject;
}

/** `obj[key]` when it is a string; `undefined` when absent or `null` (as Go leaves the zero value). */
export function optionalString(obj: JsonObject, key: string, what: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fieldError(what, key, 'a string', value);
  return value;
}

/** `obj[key]` when it is a boolean; `undefined` when absent or `null`. */
export function optionalBoolean(obj: JsonObject, key: string, what: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw fieldError(what, key, 'a boolean', value);
  return value;
}

/** `obj[key]` when it is an array of strings; `undefined` when absent or `null`. */
export function optionalStringArray(obj: JsonObject, key: string, what: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw fieldError(what, key, 'an array of strings', value);
  }
  return value;
}

/** The entries of `obj` whose keys are not in `known`, in their original order. */
export function unknownFields(obj: JsonObject, known: ReadonlySet<string>): [string, unknown][] {
  return Object.entries(obj).filter(([key]) => !known.has(key));
}

/** An `ERR_PROTOCOL` error. */
export function protocolError(message: string, cause?: unknown): MessengerError {
  return new MessengerError(
    ErrorCode.PROTOCOL,
    `federation ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function fieldError(what: string, key: string, expected: string, value: unknown): MessengerError {
  return protocolError(`${what}: "${key}" must be ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
