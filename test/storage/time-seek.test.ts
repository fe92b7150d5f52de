// Finding the first record at or after a time on a channel of many small segments: the right record,
// found by reading a few segments' first records and scanning one segment, not the channel.
import { describe, expect, it } from 'vitest';
import { formatMillis } from '../../internal/envelope/index.js';
import { offsetAtTime, type ChannelLog } from '../../internal/storage/index.js';
import { openLog } from './helpers.js';
import { tempDir } from '../support/temp-dir.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const RECORDS = 400;
/** Record `i` is stamped T0 + 10·i ms (and every fifth one shares its time with the one before). */
const timeOf = (i: number): number => T0 + 10 * (i - (i % 5 === 4 ? 1 : 0));

function line(i: number): Buffer {
  const id = `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`;
  return Buffer.from(
    `{"v":1,"id":"${id}","ts":"${formatMillis(timeOf(i))}","channel":"orders","origin":"a","payload_type":"N","payload":${i}}\n`,
  );
}

/** A log of {@link RECORDS} records in segments of about 3 records, and the offset of each record. */
async function manySegments(): Promise<{ log: ChannelLog; offsets: number[] }> {
  const log = await openLog(tempDir(), 'orders', { maxSegmentBytes: 450, syncPolicy: 'none' });
  const offsets: number[] = [];
  for (let i = 0; i < RECORDS; i++) offsets.push((await log.append(line(i), 1)).start);
  return { log, offsets };
}

/** Searches `log`, counting the reads the search makes. */
async function seek(log: ChannelLog, timeMs: number): Promise<{ offset: number; reads: number }> {
  let reads = 0;
  const offset = await offsetAtTime(
    {
      segments: log.segments(),
      end: log.end,
      read: (at, maxBytes) => {
        reads++;
        return log.read(at, maxBytes);
      },
      firstTimes: new Map(),
    },
    timeMs,
  );
  return { offset, reads };
}

describe('offset at a time', () => {
  it('finds the first record at or after a time by reading a few segments, on a channel of >100 segments', async () => {
    const { log, offsets } = await manySegments();
    const segments = log.segments().length;
    expect(segments).toBeGreaterThan(100);
    const bound = Math.ceil(Math.log2(segments)) + 2;
    for (const i of [0, 1, 3, 4, 57, 58, 59, 200, 398, 399]) {
      // Exactly at a record's time: that record (the first of two sharing it).
      const first = [...Array(RECORDS).keys()].find((k) => timeOf(k) === timeOf(i))!;
      const exact = await seek(log, timeOf(i));
      expect(exact.offset).toBe(offsets[first]);
      expect(exact.reads).toBeLessThanOrEqual(bound);
      // Just after it: the next record with a later time.
      const next = [...Array(RECORDS).keys()].find((k) => timeOf(k) > timeOf(i));
      expect((await seek(log, timeOf(i) + 1)).offset).toBe(next === undefined ? log.end : offsets[next]);
    }
    expect((await seek(log, 0)).offset).toBe(log.start);
    expect((await seek(log, timeOf(RECORDS - 1) + 1)).offset).toBe(log.end);
    expect(await log.offsetAtTime(timeOf(200))).toBe(offsets[200]);
    await log.close();
  });

  it('passes over a line without a readable ts', async () => {
    const log = await openLog(tempDir(), 'orders', { maxSegmentBytes: 450, syncPolicy: 'none' });
    await log.append(line(0), 1);
    const odd = await log.append(Buffer.from('{"v":1,"id":"x","ts":"not a time"}\n'), 1);
    const later = await log.append(line(10), 1);
    expect(odd.start).toBeLessThan(later.start);
    expect(await log.offsetAtTime(timeOf(1))).toBe(later.start);
    await log.close();
  });

  it('is the end on an empty log', async () => {
    const log = await openLog(tempDir(), 'orders');
    expect(await log.offsetAtTime(T0)).toBe(log.end);
    await log.close();
  });
});
