import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Messenger, startHttpEndpoint } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';
import { put } from './harness.js';

const RECORDS = 3000;
const PAD = 'x'.repeat(900);

async function open(dataDir: string) {
  const messenger = await Messenger.open({
    storage: { dataDir, syncPolicy: 'none', compactionThresholdMb: 1 },
  });
  const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0', longPollTimeoutMs: 300 });
  return {
    messenger,
    url: `${endpoint.url}/v1/stream/orders`,
    close: async () => {
      await endpoint.close();
      await messenger.close();
    },
  };
}

describe('reading a damaged stream over HTTP', () => {
  it('skips exactly a garbage line inserted in a sealed segment and returns every intact message', async () => {
    const dataDir = tempDir();
    const writer = await open(dataDir);
    expect((await put(writer.url, 'application/json')).status).toBe(201);
    for (let first = 0; first < RECORDS; first += 100) {
      await writer.messenger.publishBatch(
        'orders',
        Array.from({ length: 100 }, (_, k) => ({ payloadType: 'N', payload: { i: first + k, pad: PAD } })),
      );
    }
    await writer.close();
    const dir = path.join(dataDir, 'channels', 'orders');
    const segments = fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const sealed = path.join(dir, segments.sort()[0]!);
    const text = fs.readFileSync(sealed, 'latin1');
    const middle = text.indexOf('\n', text.length >> 1) + 1;
    fs.writeFileSync(sealed, `${text.slice(0, middle)}garbage, not json\n${text.slice(middle)}`, 'latin1');

    const reader = await open(dataDir);
    try {
      const seen: number[] = [];
      let offset = '-1';
      for (;;) {
        const res = await fetch(`${reader.url}?offset=${offset}`);
        expect(res.status).toBe(200);
        seen.push(...((await res.json()) as { i: number }[]).map((m) => m.i));
        offset = res.headers.get('stream-next-offset') ?? '';
        if (res.headers.get('stream-up-to-date') === 'true') break;
      }
      expect(seen).toEqual([...Array(RECORDS).keys()]);
    } finally {
      await reader.close();
    }
  });
});
