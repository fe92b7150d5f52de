/** Helpers for storage tests: open a ChannelLog with test-friendly settings, make records. */
import path from 'node:path';
import { systemClock, type Clock } from '../../internal/clock/index.js';
import { silentLogger, type Logger } from '../../internal/logger/index.js';
import {
  ChannelLog,
  nodeSegmentFs,
  type FlushScheduler,
  type SegmentFs,
  type SyncPolicy,
} from '../../internal/storage/index.js';

/** Options for {@link openLog}. */
export interface TestLogOptions {
  syncPolicy?: SyncPolicy;
  maxSegmentBytes?: number;
  segmentFs?: SegmentFs;
  clock?: Clock;
  logger?: Logger;
  tailCacheBytes?: number;
  maxRecordBytes?: number;
  scheduler?: FlushScheduler;
}

/** Opens the log of channel `name` under `root`. */
export function openLog(root: string, name = 'orders', opts: TestLogOptions = {}): Promise<ChannelLog> {
  return ChannelLog.open({
    channel: name,
    dir: path.join(root, name),
    segmentFs: opts.segmentFs ?? nodeSegmentFs,
    syncPolicy: opts.syncPolicy ?? 'always',
    syncIntervalMs: 50,
    maxSegmentBytes: opts.maxSegmentBytes ?? 1 << 20,
    maxRecordBytes: opts.maxRecordBytes ?? 1 << 20,
    tailCacheBytes: opts.tailCacheBytes ?? 1 << 16,
    retryBaseMs: 1,
    retryMaxMs: 5,
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? silentLogger,
    scheduler: opts.scheduler,
  });
}

/**
 * The log of channel `orders` under `root` holding `record(1)`, written and closed, then reopened
 * without a writer: as a reader in another process than the writer sees it.
 */
export async function reopenedReader(root: string): Promise<ChannelLog> {
  const log = await openLog(root);
  await log.append(record(1), 1);
  await log.close();
  return openLog(root);
}

/** A record line `{"n":i,...}\n` padded to about `size` bytes. */
export function record(i: number, size = 64): Buffer {
  const head = `{"n":${i},"pad":"`;
  const pad = 'x'.repeat(Math.max(0, size - head.length - 3));
  return Buffer.from(`${head}${pad}"}\n`);
}

/** Reads every whole record from `offset` to the end of the log. */
export async function readAll(log: ChannelLog, offset = log.start): Promise<string[]> {
  const lines: string[] = [];
  let position = offset;
  for (;;) {
    const res = await log.read(position, 4096);
    if (res.data.length === 0 && res.next === position) return lines;
    const text = res.data.toString('utf8');
    if (text.length > 0) lines.push(...text.slice(0, -1).split('\n'));
    position = res.next;
  }
}
