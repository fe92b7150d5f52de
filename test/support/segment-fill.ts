/** Filling channels segment by segment, and listing their segment files, in storage tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { Messenger } from '../../src/index.js';

/** One batch of about 600 KiB: with `compaction_threshold_mb: 1` each batch fills its own segment. */
export const SEGMENT_BATCH = Array.from({ length: 1800 }, (_, i) => ({
  payloadType: 'Fill',
  payload: { i, pad: 'x'.repeat(260) },
}));

/** Publishes `segments` batches of {@link SEGMENT_BATCH} on `channel`; returns their first offsets. */
export async function fill(m: Messenger, channel: string, segments: number): Promise<number[]> {
  const starts: number[] = [];
  for (let s = 0; s < segments; s++) starts.push((await m.publishBatch(channel, SEGMENT_BATCH))[0]!.offset);
  return starts;
}

/** The segment file names of `channel` in `dataDir`. */
export function segmentFiles(dataDir: string, channel: string): string[] {
  return fs.readdirSync(path.join(dataDir, 'channels', channel)).filter((f) => f.endsWith('.jsonl'));
}
