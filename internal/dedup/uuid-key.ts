/**
 * Canonical UUID strings read as 128-bit keys, so the dedup set can hold them in typed arrays
 * instead of as strings.
 */

/** The four 32-bit words of a UUID key, most significant first, reused between calls. */
export type UuidKey = Int32Array;

/** A fresh buffer for {@link readUuidKey}. */
export function newUuidKey(): UuidKey {
  return new Int32Array(4);
}

const DASH = 0x2d;
const NOT_HEX = 16;
/** Lowercase hex digits only: `…-ABCD-…` is a different id string and stays out of the typed table. */
const DIGIT = new Uint8Array(128).fill(NOT_HEX);
for (let i = 0; i < 10; i++) DIGIT[0x30 + i] = i;
for (let i = 0; i < 6; i++) DIGIT[0x61 + i] = 10 + i;

/** Where the 32 hex digits of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` are. */
const DIGIT_AT = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32,
  33, 34, 35,
]);

/**
 * Reads `id` into `key` when it is a UUID in canonical lowercase form other than the nil and max
 * UUIDs (which the table uses as empty and deleted markers). Returns false for every other id; such
 * ids are kept as strings. Each accepted string maps to exactly one key, so no two ids are confused.
 */
export function readUuidKey(id: string, key: UuidKey): boolean {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== DASH ||
    id.charCodeAt(13) !== DASH ||
    id.charCodeAt(18) !== DASH ||
    id.charCodeAt(23) !== DASH
  ) {
    return false;
  }
  let invalid = 0;
  let all = -1;
  let any = 0;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = w * 8; i < w * 8 + 8; i++) {
      const code = id.charCodeAt(DIGIT_AT[i] ?? 0);
      const digit = code < 128 ? (DIGIT[code] ?? NOT_HEX) : NOT_HEX;
      invalid |= digit;
      word = (word << 4) | (digit & 15);
    }
    key[w] = word;
    all &= word;
    any |= word;
  }
  return (invalid & NOT_HEX) === 0 && any !== 0 && all !== -1;
}
