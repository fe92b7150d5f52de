import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../internal/dedup/index.js';
import { ChannelFilter, recentTailBytes, rememberRecentIds } from '../../internal/federation/index.js';
import { segmentFileName } from '../../internal/storage/index.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { envelope, uuid } from '../support/raw-peer.js';
import { tempDir } from '../support/temp-dir.js';

/** A line stored from a peer (with a route) or published here (without). */
function line(n: number, channel: string, routed: boolean): string {
  const record = envelope(uuid(n), channel, n);
  return `${routed ? record.replace(',"payload":', ',"route":["hub1"],"payload":') : record}\n`;
}

/** Writes `segments` (their texts, in order) as the segment files of `channel`. */
function writeChannel(channelsDir: string, channel: string, segments: string[]): void {
  const dir = path.join(channelsDir, channel);
  fs.mkdirSync(dir, { recursive: true });
  let start = 0;
  for (const text of segments) {
    fs.writeFileSync(path.join(dir, segmentFileName(start)), text);
    start += Buffer.byteLength(text);
  }
}

describe('rebuilding the dedup set from channel tails', () => {
  it('marks the ids of the lines peers stored within the tail, across segments, and nothing else', async () => {
    const channelsDir = tempDir();
    const old = line(1, 'orders', true);
    const sealed = line(2, 'orders', true) + line(3, 'orders', false);
    const active = `${line(4, 'orders', true)}${line(5, 'orders', true)}{"v":1,"id":"torn`;
    writeChannel(channelsDir, 'orders', [old, sealed, active]);
    writeChannel(channelsDir, 'orders.dead-letter', [line(6, 'orders.dead-letter', true)]);
    writeChannel(channelsDir, 'local', [line(7, 'local', true)]);
    const seen = new SeenIds(100);
    // From inside line 2 (so it is cut and dropped) to the end: lines 3 to 5 and the torn bytes.
    const tailBytes = Buffer.byteLength(active) + Buffer.byteLength(sealed) - 10;
    const result = await rememberRecentIds({
      channelsDir,
      channels: new ChannelFilter(['orders', 'orders.dead-letter']),
      tailBytes,
      seen,
      logger: new MemoryLogger(),
    });
    expect([1, 2, 3, 4, 5, 6, 7].filter((n) => seen.has(uuid(n)))).toEqual([4, 5]);
    expect(result).toMatchObject({ channels: 1, ids: 2 });
  });

  it('reads any channel when federation may write any, and reads back enough for a window twice over', async () => {
    const channelsDir = tempDir();
    writeChannel(channelsDir, 'a', [line(1, 'a', true)]);
    writeChannel(channelsDir, 'b', [line(2, 'b', true)]);
    const seen = new SeenIds(100);
    await rememberRecentIds({
      channelsDir,
      channels: undefined,
      tailBytes: recentTailBytes(65_536),
      seen,
      logger: new MemoryLogger(),
    });
    expect(seen.has(uuid(1)) && seen.has(uuid(2))).toBe(true);
    expect(recentTailBytes(65_536)).toBe(2 * (2 * 2 ** 20 + 2 * 65_536));
    expect(recentTailBytes(4 * 2 ** 20)).toBe(20 * 2 ** 20);
  });
});
