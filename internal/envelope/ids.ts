/**
 * Envelope ids: UUID v7 (RFC 9562), time-ordered, as the Go original makes them from v1.3. Random
 * bits come from a pooled buffer and the time part is formatted once per millisecond, so an id costs
 * no system call and little string building.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 1024;
const ID_RANDOM_BYTES = 10;
const pool = Buffer.allocUnsafe(ID_RANDOM_BYTES * POOL_IDS);
let poolOffset = pool.length;
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

/** A fresh UUID v7 string: 48-bit millisecond time, version 7, variant 10, 74 random bits. */
export function newEnvelopeId(now = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += ID_RANDOM_BYTES;
  pool[r] = 0x70 | ((pool[r] ?? 0) & 0x0f);
  pool[r + 2] = 0x80 | ((pool[r + 2] ?? 0) & 0x3f);
  const random = pool.toString('hex', r, r + ID_RANDOM_BYTES);
  return `${timePart(now)}${random.slice(0, 4)}-${random.slice(4, 8)}-${random.slice(8)}`;
}
