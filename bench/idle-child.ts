/**
 * Child process of the `storage.idle_1000` benchmark: opens N channels with one subscriber each,
 * lets them idle, and prints its RSS and CPU use as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Messenger } from '../src/index.js';

const channels = Number(process.argv[2] ?? 1000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyop-bench-idle-'));
const messenger = await Messenger.open({
  name: 'idle',
  storage: { dataDir, syncPolicy: 'periodic', offsetFlushIntervalMs: 200 },
});
for (let i = 0; i < channels; i++) await messenger.subscribe(`channel-${i}`, 'sub', () => undefined);
await sleep(1000);
(globalThis as { gc?: () => void }).gc?.();
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
// One whole interval of the 5 s safety poll, so every run sees exactly one poll of all channels.
await sleep(5000);
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
const rssMb = process.memoryUsage().rss / 2 ** 20;
process.stdout.write(JSON.stringify({ rssMb, cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100 }));
await messenger.close();
fs.rmSync(dataDir, { recursive: true, force: true });
