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
const DIGIT = new Uint8Array(256).fill(NOT_HEX);
for (let i = 0; i < 10; i++) DIGIT[0x30 + i] = i;
for (let i = 0; i < 6; i++) DIGIT[0x61 + i] = 10 + i;

/** Where the 32 hex digits of `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` are. */
const DIGIT_AT = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32,
  33, 34, 35,
]);

/** The byte form of a string {@link readUuidKey} reads, reused between calls. */
const scratch = Buffer.alloc(36);

/**
 * Reads `id` into `key` when it is a UUID in canonical lowercase form other than the nil and max
 * UUIDs (which the table uses as empty and deleted markers). Returns false for every other id; such
 * ids are kept as strings. Each accepted string maps to exactly one key, so no two ids are confused.
 */
export function readUuidKey(id: string, key: UuidKey): boolean {
  // 36 characters in 36 UTF-8 bytes are ASCII, so Latin-1 copies them exactly.
  if (id.length !== 36 || Buffer.byteLength(id) !== 36) return false;
  scratch.write(id, 0, 36, 'latin1');
  return readUuidKeyAt(scratch, 0, key);
}

/**
 * {@link readUuidKey} for an id given as its ASCII bytes `bytes[at, at + 36)`, e.g. inside a received
 * record: byte reads cost half of a string's character reads here.
 */
export function readUuidKeyAt(bytes: Uint8Array, at: number, key: UuidKey): boolean {
  if (
    bytes[at + 8] !== DASH ||
    bytes[at + 13] !== DASH ||
    bytes[at + 18] !== DASH ||
    bytes[at + 23] !== DASH
  ) {
    return false;
  }
  let invalid = 0;
  let all = -1;
  let any = 0;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = w * 8; i < w * 8 + 8; i++) {
      const digit = DIGIT[bytes[at + (DIGIT_AT[i] ?? 0)] ?? 0] ?? NOT_HEX;
      invalid |= digit;
      word = (word << 4) | (digit & 15);
    }
    key[w] = word;
    all &= word;
    any |= word;
  }
  return (invalid & NOT_HEX) === 0 && any !== 0 && all !== -1;
}
