/**
 * Group `ephemeral`: acknowledged publishes of an EphemeralMessenger to a hub running in its own
 * process (mutual TLS on 127.0.0.1, hub sync policy `periodic`), with 64 publishes in flight and one;
 * and, as the floor, 64 in flight to ack-hub.ts, which stores nothing.
 */
import { EphemeralMessenger } from '../src/index.js';
import { startAckHub, startChild } from './federation.js';
import { cleanup, payload, repeat, type GroupOptions, type Metrics } from './measure.js';
import { writeBenchPki, type BenchPki } from './pki.js';

/** Publishes made before timing starts, so the JIT and the connection are warm. */
const WARM_UP = 2_000;

/**
 * Messages per second acknowledged by the hub while `concurrency` callers each publish and await the
 * ack in a loop, `count` messages in all; `storeless` uses ack-hub.ts as the hub.
 */
async function acknowledgedPublishes(
  pki: BenchPki,
  concurrency: number,
  count: number,
  storeless = false,
): Promise<number> {
  const dirs: string[] = [];
  const hub = storeless
    ? await startAckHub(pki)
    : await startChild(pki, { name: 'hub1', syncPolicy: 'periodic' }, dirs);
  const pair = pki.pairs.get('eph')!;
  const em = new EphemeralMessenger({
    hubAddr: hub.addr,
    tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
  });
  try {
    await em.connect();
    const run = async (total: number): Promise<void> => {
      let sent = 0;
      const caller = async (): Promise<void> => {
        while (sent < total) await em.publish('bench', 'Bench', payload(sent++));
      };
      await Promise.all(Array.from({ length: concurrency }, caller));
    };
    await run(WARM_UP);
    const start = performance.now();
    await run(count);
    return count / ((performance.now() - start) / 1000);
  } finally {
    await em.close();
    await hub.stop();
    for (const d of dirs) cleanup(d);
  }
}

/** Runs the ephemeral group. */
export async function runEphemeralBench({ quick }: GroupOptions): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const pki = await writeBenchPki(['hub1', 'eph']);
  try {
    return await repeat(
      runs,
      {
        'floor.ephemeral.ack_only_hub.c64': 'msgs/s',
        'ephemeral.publish.c64': 'msgs/s',
        'ephemeral.publish.c1': 'msgs/s',
      },
      async () => ({
        'floor.ephemeral.ack_only_hub.c64': await acknowledgedPublishes(
          pki,
          64,
          quick ? 20_000 : 200_000,
          true,
        ),
        'ephemeral.publish.c64': await acknowledgedPublishes(pki, 64, quick ? 20_000 : 200_000),
        'ephemeral.publish.c1': await acknowledgedPublishes(pki, 1, quick ? 2_000 : 10_000),
      }),
    );
  } finally {
    cleanup(pki.dir);
  }
}
