import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newestRecordTime } from '../../internal/storage/segment-time.js';
import { tempDir } from '../support/temp-dir.js';

const line = (ts: string, pad = 10): string =>
  `{"v":1,"id":"x","ts":"${ts}","channel":"c","origin":"o","payload_type":"T","payload":"${'p'.repeat(pad)}"}\n`;

function segment(text: string): { file: string; size: number } {
  const file = path.join(tempDir(), '00000000000000000000.jsonl');
  fs.writeFileSync(file, text);
  return { file, size: Buffer.byteLength(text) };
}

describe('newestRecordTime', () => {
  it('reads the ts of the last record, also one longer than a read chunk, and of a lone record', async () => {
    const long = segment(line('2026-01-01T00:00:00Z') + line('2026-01-02T00:00:00.123456789Z', 300_000));
    expect(await newestRecordTime(long.file, long.size)).toBe(Date.parse('2026-01-02T00:00:00.123Z'));
    const lone = segment(line('2026-03-01T10:00:00+02:00'));
    expect(await newestRecordTime(lone.file, lone.size)).toBe(Date.parse('2026-03-01T08:00:00Z'));
  });

  it("falls back to the file's modification time when the last line has no readable ts", async () => {
    const bad = segment(`${line('2026-01-01T00:00:00Z')}not json\n`);
    const mtime = new Date('2025-06-01T12:00:00Z');
    fs.utimesSync(bad.file, mtime, mtime);
    expect(await newestRecordTime(bad.file, bad.size)).toBe(mtime.getTime());
  });
});
