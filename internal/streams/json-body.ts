/**
 * JSON append bodies: validation and the one-level flattening of arrays, keeping every element's
 * text exactly as sent (no parse and re-serialise, so large numbers and key order survive). Line
 * breaks, which valid JSON only allows as whitespace between tokens, become spaces so that each
 * element fits on one log line.
 */
import { isUtf8 } from 'node:buffer';

/** The messages of a JSON body, or why it is not acceptable. */
export type JsonBody = { ok: true; messages: string[] } | { ok: false; reason: string };

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Validates `body` as one JSON value. An array yields its elements (flattened one level; `[]`
 * yields none); any other value yields itself.
 */
export function splitJsonBody(body: Buffer): JsonBody {
  if (!isUtf8(body)) return { ok: false, reason: 'body is not valid UTF-8' };
  const text = body.toString('utf8');
  try {
    JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  const start = skipWhitespace(text, 0);
  if (text.charCodeAt(start) !== 0x5b) return { ok: true, messages: [oneLine(text.slice(start).trimEnd())] };
  return { ok: true, messages: arrayElements(text, start + 1) };
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  return i;
}

/** The top-level elements of a (valid) array whose `[` is just before `from`. */
function arrayElements(text: string, from: number): string[] {
  const elements: string[] = [];
  let depth = 0;
  let start = -1;
  let end = -1;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) {
        inString = false;
        end = i + 1;
      }
      continue;
    }
    if (WHITESPACE.has(c)) continue;
    if (depth === 0 && (c === 0x2c || c === 0x5d)) {
      if (start >= 0) elements.push(oneLine(text.slice(start, end)));
      start = -1;
      if (c === 0x5d) break;
      continue;
    }
    if (start < 0) start = i;
    end = i + 1;
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return elements;
}

/** Replaces line breaks (whitespace between tokens in valid JSON) with spaces. */
function oneLine(json: string): string {
  return json.includes('\n') || json.includes('\r') ? json.replace(/[\r\n]/g, ' ') : json;
}
