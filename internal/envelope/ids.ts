/**
 * Envelope ids: UUID v7 (RFC 9562), time-ordered and monotonic within the process (§6.2 method 1,
 * "fixed bit-length dedicated counter"). Layout of each id:
 *
 *   48-bit ms time | version 7 | 26-bit counter (rand_a + the top of rand_b) | variant 10 | 48 random bits
 *
 * The counter is seeded with random bits (its top bit clear, so at least 2^25 ids fit in one
 * millisecond) at each new millisecond and incremented by one for each further id in it. A clock
 * that goes backwards, or a counter that runs out, keeps the last time (or moves it one ms on), so ids
 * never decrease. The random tail comes from a pool filled and hex-encoded once per 2048 ids, so an id
 * costs no system call and little string building.
 */
import { randomFillSync, randomInt } from 'node:crypto';

const POOL_IDS = 2048;
const TAIL_BYTES = 6;
const TAIL_HEX = 2 * TAIL_BYTES;
const COUNTER_BITS = 26;
const COUNTER_LIMIT = 2 ** COUNTER_BITS;
/** Seeds stay below half the counter range, leaving room to count up within the millisecond. */
const SEED_LIMIT = COUNTER_LIMIT / 2;
/** The counter's low bits sit below the variant in the fourth group. */
const LOW_COUNTER_BITS = 14;
/** Three hex digits for every 12-bit value, so formatting an id needs no `toString(16)`. */
const HEX3 = Array.from({ length: 4096 }, (_, value) => value.toString(16).padStart(3, '0'));
/** The fourth group's first digit: variant 10 and the counter's top two low bits. */
const VARIANT_DIGIT = ['8', '9', 'a', 'b'];

const pool = Buffer.allocUnsafe(TAIL_BYTES * POOL_IDS);
let poolHex = '';
let hexOffset = 0;

/** The millisecond time of the last id, and the counter value it used. */
let lastMs = -1;
let counter = 0;
/** `xxxxxxxx-xxxx-` for {@link lastMs}. */
let timePrefix = '';

function refill(): void {
  randomFillSync(pool);
  poolHex = pool.toString('hex');
  hexOffset = 0;
}

/** Moves to millisecond `ms` with a fresh random counter seed. */
function startMillisecond(ms: number): void {
  lastMs = ms;
  counter = randomInt(SEED_LIMIT);
  const hex = ms.toString(16).padStart(12, '0');
  timePrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-`;
}

/**
 * A fresh UUID v7 string, greater (as a string and as bytes) than every id this process made
 * before: 48-bit millisecond time, version 7, a 26-bit per-millisecond counter, variant 10, 48
 * random bits. `now` is the caller's `Clock.now()`; one earlier than the last id's time reuses that
 * time.
 */
export function newEnvelopeId(now: number): string {
  if (now > lastMs) {
    startMillisecond(now);
  } else if (++counter === COUNTER_LIMIT) {
    startMillisecond(lastMs + 1);
  }
  if (hexOffset === poolHex.length) refill();
  const h = hexOffset;
  hexOffset += TAIL_HEX;
  const high = HEX3[counter >>> LOW_COUNTER_BITS] ?? '';
  const variant = VARIANT_DIGIT[(counter >>> 12) & 3] ?? '';
  const low = HEX3[counter & 0xfff] ?? '';
  return `${timePrefix}7${high}-${variant}${low}-${poolHex.slice(h, h + TAIL_HEX)}`;
}
