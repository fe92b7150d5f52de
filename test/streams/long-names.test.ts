/** Every valid channel name works as a stream name, up to the 255-byte limit (metadata file names). */
import { describe, expect, it } from 'vitest';
import { post, put, startInstance } from './harness.js';

describe('long stream names', () => {
  it('creates, appends to, reloads and deletes streams named with 246 to 255 bytes', async () => {
    const names = [246, 247, 250, 251, 255].map((length) => `${length}-`.padEnd(length, 'x'));
    const first = await startInstance();
    for (const name of names) {
      expect((await put(first.url(name), 'text/plain', 'a')).status, name).toBe(201);
      expect((await post(first.url(name), 'text/plain', 'b')).status, name).toBe(204);
    }
    await first.close();
    const again = await startInstance({ dataDir: first.dataDir });
    try {
      for (const name of names) {
        expect(await (await fetch(again.url(name))).text(), name).toBe('ab');
        expect((await fetch(again.url(name), { method: 'DELETE' })).status, name).toBe(204);
        expect((await fetch(again.url(name))).status, name).toBe(404);
      }
    } finally {
      await again.close();
    }
  });
});
