import fs from 'node:fs';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { auditLines } from '../support/audit.js';
import { connected, nodesStoppedAfterEach } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { fill, segmentFiles } from '../support/segment-fill.js';

const node = nodesStoppedAfterEach();

it('a peer whose hub cursor was evicted by retention resumes at the oldest remaining record, the loss audited and counted', async () => {
  const hub = await node({
    name: 'hub1',
    hub: {},
    syncPolicy: 'none',
    storage: { compactionThresholdMb: 1, maxFiles: 2 },
  });
  const a = await node({ name: 'a', hubs: [{ addr: hub.hubAddr, subscribe: ['down'] }] });
  await connected(a);
  const down = collector();
  await a.messenger.subscribe('down', 's', down.handler);
  const [first] = await hub.messenger.publishBatch('down', [{ payloadType: 'N', payload: 0 }]);
  await down.waitFor(1);
  const cursorFile = path.join(hub.dataDir, 'subscribers', 'down', 'fed-a.offset');
  const end = hub.messenger.stats().channels['down']?.endOffset;
  await vi.waitFor(() => {
    expect(fs.readFileSync(cursorFile, 'utf8')).toBe(`${end}\n`);
  });
  await a.stop();

  const starts = await fill(hub.messenger, 'down', 4);
  await hub.messenger.compact();
  expect(segmentFiles(hub.dataDir, 'down')).toHaveLength(2);
  const oldest = starts[2]!;
  await a.restart();
  await a.messenger.subscribe('down', 's', down.handler);
  await down.waitFor(1 + 2 * 1800);
  expect(down.messages).toHaveLength(1 + 2 * 1800);
  await vi.waitFor(() => {
    expect(hub.messenger.stats().channels['down']?.retentionSkippedBytes).toBeGreaterThan(0);
  });
  const stats = hub.messenger.stats().channels['down']!;
  expect(stats.evictedBytes).toBe(oldest);
  await hub.stop();
  const retention = auditLines(hub.dataDir).filter((l) => l.event.startsWith('retention_'));
  expect(retention).toMatchObject([
    { event: 'retention_evicted', channel: 'down', peer: 'fed-a' },
    { event: 'retention_skipped', channel: 'down', peer: 'fed-a' },
  ]);
  // The peer had the first message: it lost everything from past it to the oldest remaining record.
  const past = starts[0]!;
  expect(first!.offset).toBe(0);
  expect(stats.retentionSkippedBytes).toBe(oldest - past);
  expect(retention[0]?.detail).toBe(`from=${past} to=${oldest} bytes=${oldest - past}`);
  expect(retention[1]?.detail).toBe(`from=${past} to=${oldest} bytes=${oldest - past}`);
});
