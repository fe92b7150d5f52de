import { describe, expect, it } from 'vitest';
import { sweepStaleCursors } from '../../internal/federation/index.js';
import { WaitingChannels } from '../../internal/federation/waiting-channels.js';
import { cursorIds } from '../../internal/naming/index.js';
import { OffsetStore } from '../../internal/storage/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { tempDir } from '../support/temp-dir.js';

describe('federation TTL sweep', () => {
  it('asks whether a peer is connected right before each removal, so a peer connecting during a pass keeps its cursors', async () => {
    const root = tempDir();
    const offsets = new OffsetStore(root);
    const cursor = cursorIds.federationIn('edge-1');
    await offsets.write('alerts', cursor, 10);
    await offsets.write('orders', cursor, 20);
    await offsets.write('orders', cursorIds.federationIn('gone'), 30);
    // An hour past the files' times: all three are stale.
    const clock = new FakeClock(Date.now() + 3_600_000);
    // edge-1 connects once the pass has judged its first file: the cursor read by its sender must stay.
    let asked = 0;
    const removed = await sweepStaleCursors({
      offsets,
      waitingLists: new WaitingChannels(root),
      ttlMs: 60_000,
      clock,
      isConnected: (peer) => peer === 'edge-1' && ++asked > 1,
      logger: new MemoryLogger(),
    });
    expect(asked).toBe(2);
    expect(removed).toHaveLength(2);
    expect(removed).toContain(offsets.pathOf('orders', cursorIds.federationIn('gone')));
    const kept = [await offsets.read('alerts', cursor), await offsets.read('orders', cursor)];
    expect(kept.filter((offset) => offset !== undefined)).toHaveLength(1);
  });
});
