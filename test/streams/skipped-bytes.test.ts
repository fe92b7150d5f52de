/** A stream read that passes over a line that is not a record logs it and counts it, like a subscriber. */
import { describe, expect, it } from 'vitest';
import { internalsOf } from '../../src/wiring/index.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { post, put, startInstance } from './harness.js';

describe('stream reads over corrupt lines', () => {
  it('deliver every record around the bad line, count it in the channel stats and log where it is', async () => {
    const logger = new MemoryLogger();
    const instance = await startInstance({ messenger: { logger } });
    try {
      expect((await put(instance.url('c'), 'text/plain', 'a')).status).toBe(201);
      const garbage = Buffer.from('this is not an envelope\n');
      const { start } = await internalsOf(instance.messenger).append('c', garbage, 1);
      expect((await post(instance.url('c'), 'text/plain', 'b')).status).toBe(204);

      expect(await (await fetch(instance.url('c'))).text()).toBe('ab');
      expect(instance.messenger.stats().channels['c']?.corruptRecords).toBe(1);
      const logged = logger.entries.find(
        (entry) => entry.msg === 'stream read skipped bytes that hold no record',
      );
      expect(logged?.level).toBe('warn');
      expect(logged?.fields).toMatchObject({
        stream: 'c',
        channel: 'c',
        from: start,
        to: start + garbage.length,
        reason: 'corrupt',
      });
    } finally {
      await instance.close();
    }
  });
});
