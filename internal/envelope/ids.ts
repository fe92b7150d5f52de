/**
 * Envelope ids: UUID v7 (RFC 9562), time-ordered, as the Go original makes them from v1.3. Random
 * bits come from a pool, filled and hex-encoded once per 1024 ids, and the time part is formatted
 * once per millisecond, so an id costs no system call and little string building.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 1024;
const ID_RANDOM_BYTES = 10;
const HEX_PER_ID = 2 * ID_RANDOM_BYTES;
const pool = Buffer.allocUnsafe(ID_RANDOM_BYTES * POOL_IDS);
/** The pool's random bits, version and variant set, in hex: {@link HEX_PER_ID} digits per id. */
let poolHex = '';
let hexOffset = 0;
let cachedMs = -1;
let cachedTime = '';

/** `xxxxxxxx-xxxx-` for the 48-bit millisecond time `ms`, cached for the last millisecond asked. */
function timePart(ms: number): string {
  if (ms !== cachedMs) {
    cachedMs = ms;
    const hex = ms.toString(16).padStart(12, '0');
    cachedTime = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-`;
  }
  return cachedTime;
}

/** Fills the pool with fresh random bits, sets each id's version (7) and variant (10), encodes it. */
function refill(): void {
  randomFillSync(pool);
  for (let r = 0; r < pool.length; r += ID_RANDOM_BYTES) {
    pool[r] = 0x70 | ((pool[r] ?? 0) & 0x0f);
    pool[r + 2] = 0x80 | ((pool[r + 2] ?? 0) & 0x3f);
  }
  poolHex = pool.toString('hex');
  hexOffset = 0;
}

/** A fresh UUID v7 string: 48-bit millisecond time, version 7, variant 10, 74 random bits. */
export function newEnvelopeId(now = Date.now()): string {
  if (hexOffset === poolHex.length) refill();
  const h = hexOffset;
  hexOffset += HEX_PER_ID;
  return `${timePart(now)}${poolHex.slice(h, h + 4)}-${poolHex.slice(h + 4, h + 8)}-${poolHex.slice(h + 8, h + HEX_PER_ID)}`;
}
