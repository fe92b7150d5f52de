/**
 * A Messenger in its own process, for federation benchmarks that need the hub on the other core.
 * argv[2] is the JSON config. It prints the hub address, then answers commands on stdin, one per line:
 * `wait <channel> <count>` (prints `ok` once the channel holds that many messages appended here),
 * `stamp <channel>` (prints `ok`, then one monotonic-clock timestamp in µs per message delivered on it),
 * `rss` (prints its RSS in MB after a GC), `publish-at <channel> <per second>` (prints `ok`, then
 * publishes that many messages a second, in tenths, until it exits).
 */
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Messenger, type MessengerConfigInput } from '../src/index.js';
import { untilGrowth } from '../internal/storage/index.js';
import { internalsOf } from '../src/wiring/index.js';
import { monotonicMicros, payload } from './measure.js';

const messenger = await Messenger.open(JSON.parse(process.argv[2] ?? '{}') as MessengerConfigInput);
process.stdout.write(`${messenger.hubAddress ?? ''}\n`);

let publishing: NodeJS.Timeout | undefined;
let closing = false;

async function answer(line: string): Promise<string> {
  const [command, channel, count] = line.split(' ');
  if (command === 'wait') {
    const log = await internalsOf(messenger).log(channel ?? '');
    while (log.appendedRecords < Number(count)) await untilGrowth(log, log.end);
    return 'ok';
  }
  if (command === 'stamp') {
    // From now on, print the monotonic time (µs) at which each message of the channel reaches a handler.
    await messenger.subscribe(channel ?? '', 'latency', () => {
      process.stdout.write(`${monotonicMicros()}\n`);
    });
    return 'ok';
  }
  if (command === 'publish-at') {
    const perTick = Number(count) / 10;
    let seq = 0;
    publishing = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        messenger.publish(channel ?? '', 'Bench', payload(seq++)).catch((err: unknown) => {
          // A publish still in flight when stdin closes fails with the close; any other failure is fatal.
          if (!closing) throw err;
        });
      }
    }, 100);
    return 'ok';
  }
  if (command === 'rss') {
    await sleep(1000);
    (globalThis as { gc?: () => void }).gc?.();
    return (process.memoryUsage().rss / 2 ** 20).toFixed(1);
  }
  return `unknown command ${JSON.stringify(line)}`;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void answer(line).then((reply) => process.stdout.write(`${reply}\n`));
});
lines.on('close', () => {
  closing = true;
  clearInterval(publishing);
  void messenger.close();
});
