/**
 * Envelope ids: UUID v7 (RFC 9562), time-ordered, as the Go original makes them from v1.3. Random
 * bits come from a pooled buffer so an id costs no system call.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 1024;
const pool = Buffer.allocUnsafe(10 * POOL_IDS);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A fresh UUID v7 string: 48-bit millisecond time, version 7, variant 10, 74 random bits. */
export function newEnvelopeId(now = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 10;
  const high = Math.floor(now / 2 ** 16);
  const low = now % 2 ** 16;
  const h = (n: number): string => HEX[n] ?? '00';
  const b = (i: number): number => pool[r + i] ?? 0;
  return (
    h((high >>> 24) & 0xff) +
    h((high >>> 16) & 0xff) +
    h((high >>> 8) & 0xff) +
    h(high & 0xff) +
    '-' +
    h(low >>> 8) +
    h(low & 0xff) +
    '-' +
    h(0x70 | (b(0) & 0x0f)) +
    h(b(1)) +
    '-' +
    h(0x80 | (b(2) & 0x3f)) +
    h(b(3)) +
    '-' +
    h(b(4)) +
    h(b(5)) +
    h(b(6)) +
    h(b(7)) +
    h(b(8)) +
    h(b(9))
  );
}
