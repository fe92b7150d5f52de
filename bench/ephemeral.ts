/**
 * Group `ephemeral`: acknowledged publishes of an EphemeralMessenger to a hub running in its own
 * process (mutual TLS on 127.0.0.1, hub sync policy `periodic`, and `always` for the side-by-side
 * with the peers' fsynced acks), with 64 publishes in flight and one; and, as the floor, 64 in
 * flight to ack-hub.ts, which stores nothing. Each rate comes with its publishes' send → ack latency
 * (`<metric>.ack_p50_us`, `.ack_p99_us`).
 */
import { EphemeralMessenger } from '../src/index.js';
import { startAckHub, startChild } from './federation.js';
import {
  ackedRateValues,
  cleanup,
  inFlight,
  LatencySamples,
  payload,
  repeat,
  withAckUnits,
  type AckedRate,
  type GroupOptions,
  type Metrics,
} from './measure.js';
import { writeBenchPki, type BenchPki } from './pki.js';

/** Publishes made before timing starts, so the JIT and the connection are warm. */
const WARM_UP = 2_000;

/**
 * Messages per second acknowledged by the hub while `concurrency` callers each publish and await the
 * ack in a loop, `count` messages in all, with each publish's send → ack latency; the hub stores with
 * `hubPolicy`, or is ack-hub.ts, which stores nothing.
 */
export async function acknowledgedPublishes(
  pki: BenchPki,
  concurrency: number,
  count: number,
  hubPolicy: 'periodic' | 'always' | 'none-stored' = 'periodic',
): Promise<AckedRate> {
  const dirs: string[] = [];
  const hub =
    hubPolicy === 'none-stored'
      ? await startAckHub(pki)
      : await startChild(pki, { name: 'hub1', syncPolicy: hubPolicy }, dirs);
  const pair = pki.pairs.get('eph')!;
  const em = new EphemeralMessenger({
    hubAddr: hub.addr,
    tls: { cert: pair.certFile, key: pair.keyFile, ca: pki.ca },
  });
  try {
    await em.connect();
    const run = (total: number, acks?: LatencySamples): Promise<void> =>
      inFlight(total, concurrency, (i) => em.publish('bench', 'Bench', payload(i)), acks);
    await run(Math.min(WARM_UP, count));
    const acks = new LatencySamples();
    const start = performance.now();
    await run(count, acks);
    return { rate: count / ((performance.now() - start) / 1000), ack: acks.percentiles() };
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
      withAckUnits({
        'floor.ephemeral.ack_only_hub.c64': 'msgs/s',
        'ephemeral.publish.c64': 'msgs/s',
        'ephemeral.publish.c1': 'msgs/s',
        'ephemeral.publish.always.c64': 'msgs/s',
        'ephemeral.publish.always.c1': 'msgs/s',
      }),
      async () => ({
        ...ackedRateValues(
          'floor.ephemeral.ack_only_hub.c64',
          await acknowledgedPublishes(pki, 64, quick ? 20_000 : 200_000, 'none-stored'),
        ),
        ...ackedRateValues(
          'ephemeral.publish.c64',
          await acknowledgedPublishes(pki, 64, quick ? 20_000 : 200_000),
        ),
        ...ackedRateValues(
          'ephemeral.publish.c1',
          await acknowledgedPublishes(pki, 1, quick ? 2_000 : 10_000),
        ),
        ...ackedRateValues(
          'ephemeral.publish.always.c64',
          await acknowledgedPublishes(pki, 64, quick ? 5_000 : 50_000, 'always'),
        ),
        ...ackedRateValues(
          'ephemeral.publish.always.c1',
          await acknowledgedPublishes(pki, 1, quick ? 500 : 3_000, 'always'),
        ),
      }),
    );
  } finally {
    cleanup(pki.dir);
  }
}
