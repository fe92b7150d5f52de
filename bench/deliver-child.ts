/**
 * Child process of `footprint.deliver_100k`: opens a Messenger with default settings, publishes N
 * messages (1,000 in flight) to a channel with one subscriber, waits until the subscriber has them
 * all, idles, and prints its RSS in MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Messenger } from '../src/index.js';
import { payload } from './measure.js';

const count = Number(process.argv[2] ?? 100_000);
const idleMs = Number(process.argv[3] ?? 10_000);
const IN_FLIGHT = 1000;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyop-bench-deliver-'));
const messenger = await Messenger.open({ name: 'deliver', storage: { dataDir } });
let delivered = 0;
let allIn = (): void => undefined;
const allDelivered = new Promise<void>((resolve) => (allIn = resolve));
await messenger.subscribe('deliver', 'sub', () => {
  if (++delivered === count) allIn();
});
for (let i = 0; i < count; i += IN_FLIGHT) {
  const sends: Promise<unknown>[] = [];
  for (let j = i; j < Math.min(count, i + IN_FLIGHT); j++)
    sends.push(messenger.publish('deliver', 'bench', payload(j)));
  await Promise.all(sends);
}
await allDelivered;
await sleep(idleMs);
process.stdout.write(JSON.stringify({ rssMb: process.memoryUsage().rss / 2 ** 20 }));
await messenger.close();
fs.rmSync(dataDir, { recursive: true, force: true });
