/**
 * `storage.from_time.seek_us`: finding the first record at or after a time on a channel of 64
 * segments (a freshly opened log each time, so no segment's first time is known yet).
 */
import path from 'node:path';
import { systemClock } from '../internal/clock/index.js';
import { formatMillis } from '../internal/envelope/index.js';
import { silentLogger } from '../internal/logger/index.js';
import { ChannelLog, nodeSegmentFs } from '../internal/storage/index.js';
import { benchDir, cleanup, percentile } from './measure.js';

const SEGMENTS = 64;
const SEGMENT_BYTES = 256 * 1024;
const T0 = Date.UTC(2026, 0, 1);

function openLog(dir: string): Promise<ChannelLog> {
  return ChannelLog.open({
    channel: 'timed',
    dir: path.join(dir, 'timed'),
    segmentFs: nodeSegmentFs,
    syncPolicy: 'none',
    syncIntervalMs: 200,
    maxSegmentBytes: SEGMENT_BYTES,
    maxRecordBytes: 1 << 20,
    tailCacheBytes: 0,
    retryBaseMs: 10,
    retryMaxMs: 100,
    clock: systemClock,
    logger: silentLogger,
  });
}

/** A record stamped `T0 + i` ms, about 300 bytes. */
function line(i: number): string {
  const id = `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`;
  return `{"v":1,"id":"${id}","ts":"${formatMillis(T0 + i)}","channel":"timed","origin":"bench","payload_type":"N","payload":{"seq":${i},"data":"${'x'.repeat(140)}"}}\n`;
}

/** Median microseconds of `seeks` searches for random times on a channel of {@link SEGMENTS} segments. */
export async function fromTimeSeekMicros(seeks: number): Promise<number> {
  const dir = benchDir('from-time');
  try {
    const log = await openLog(dir);
    let records = 0;
    while (log.segments().length < SEGMENTS) {
      const batch = Array.from({ length: 500 }, (_, k) => line(records + k)).join('');
      await log.append(Buffer.from(batch), 500);
      records += 500;
    }
    await log.close();
    const samples: number[] = [];
    for (let i = 0; i < seeks; i++) {
      const reader = await openLog(dir);
      const started = performance.now();
      await reader.offsetAtTime(T0 + Math.floor(Math.random() * records));
      samples.push((performance.now() - started) * 1000);
      await reader.close();
    }
    return percentile(
      samples.sort((a, b) => a - b),
      50,
    );
  } finally {
    cleanup(dir);
  }
}
