/**
 * JSON text as Go's `encoding/json` writes it, so our frames match the Go original byte for byte.
 */

/** Characters Go escapes that `JSON.stringify` leaves alone (HTML-safe escaping and JS line separators). */
const GO_ONLY_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * `JSON.stringify(value)` with Go's extra escapes applied, or `undefined` for values JSON cannot
 * represent (`undefined`, functions). The characters Go escapes only ever occur inside JSON strings, so a
 * replacement over the whole text is safe.
 */
export function goJson(value: unknown): string | undefined {
  const json = JSON.stringify(value) as string | undefined;
  return json?.replace(/[<>&\u2028\u2029]/g, (c) => GO_ONLY_ESCAPES[c] ?? c);
}

/**
 * Writes a JSON object from `[key, value]` pairs in the given order, skipping values JSON cannot
 * represent (so known fields can be placed first, as Go's struct order demands).
 */
export function goJsonObject(fields: Iterable<readonly [string, unknown]>): string {
  const parts: string[] = [];
  for (const [key, value] of fields) {
    const json = goJson(value);
    if (json !== undefined) parts.push(`${goJson(key) ?? '""'}:${json}`);
  }
  return `{${parts.join(',')}}`;
}
