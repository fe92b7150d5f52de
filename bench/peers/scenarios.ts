/**
 * The scenarios of the `peers` group, each a list of contenders measured side by side (see
 * alternate.ts): our equivalent of every peer scenario (embedded and via a hub process, from the
 * `storage`, `ephemeral`, `federation` and `rpc` groups' own functions) and its floor, with the same
 * message size, concurrency and durability as the peers'. Ours and the floors' figures are recorded
 * as `peers.<metric>` (the report reads those for the comparison), the peers' as `peer.<system>.…`.
 */
import { acknowledgedPublishes } from '../ephemeral.js';
import { crossProcessLatency } from '../federation.js';
import { measureAcks } from '../measure.js';
import type { BenchPki } from '../pki.js';
import { hopRoundTrip, localRoundTrip, pingPong } from '../rpc.js';
import {
  catchup,
  floorFdatasync,
  floorGroupCommit,
  floorPeriodic,
  latency as embeddedLatency,
  publishRate,
} from '../storage.js';
import { ackedRate, latency, rate, type Contender } from './alternate.js';
import { mosquittoCatchup, mosquittoDeliverLatency, mosquittoPublishRate } from './mosquitto.js';
import { natsJsCatchup, natsJsDeliverLatency, natsJsPublishRate, natsRequestLatency } from './nats.js';
import { redisCatchup, redisDeliverLatency, redisXaddRate } from './redis.js';
import type { PeerName } from './binaries.js';

/** How long and how much each measurement runs. */
export interface Sizes {
  /** Length of a timed publish loop (ms). */
  ms: number;
  /** Messages of a catch-up backlog. */
  backlog: number;
  /** Samples of a latency measurement. */
  samples: number;
  /** Messages of a client → hub publish run, per in-flight count and hub policy. */
  viaHub: { c1Always: number; c64Always: number; c1: number; c64: number };
}

/** The sizes of a full run, or of a `--quick` one. */
export function sizes(quick: boolean): Sizes {
  return quick
    ? {
        ms: 300,
        backlog: 20_000,
        samples: 300,
        viaHub: { c1Always: 500, c64Always: 5_000, c1: 2_000, c64: 20_000 },
      }
    : {
        ms: 1500,
        backlog: 200_000,
        samples: 3000,
        viaHub: { c1Always: 3_000, c64Always: 50_000, c1: 10_000, c64: 200_000 },
      };
}

/**
 * Every scenario's contenders, in the order they run (ours and a peer alternating), given the
 * installed peers' binaries and a PKI with `hub1`, `a` and `eph`.
 */
export function peerScenarios(
  binaries: Partial<Record<PeerName, string>>,
  pki: BenchPki,
  { ms, backlog, samples, viaHub }: Sizes,
): Contender[][] {
  // Read when a contender runs: those of a missing peer are filtered out below and never run.
  const binary = (peer: PeerName): string => {
    const found = binaries[peer];
    if (found === undefined) throw new Error(`${peer} is not installed`);
    return found;
  };
  const all: Contender[][] = [
    [
      ackedRate('ours', 'storage.publish.always.c1', () =>
        measureAcks((acks) => publishRate('always', ms, 1, acks)),
      ),
      ackedRate('redis', 'peer.redis.xadd.always.c1', () => redisXaddRate(binary('redis'), 'always', 1, ms)),
      ackedRate('ours', 'ephemeral.publish.always.c1', () =>
        acknowledgedPublishes(pki, 1, viaHub.c1Always, 'always'),
      ),
      ackedRate('ours', 'floor.fdatasync.c1', () => measureAcks((acks) => floorFdatasync(ms, acks))),
    ],
    [
      ackedRate('ours', 'storage.publish.always.c64', () =>
        measureAcks((acks) => publishRate('always', ms, 64, acks)),
      ),
      ackedRate('redis', 'peer.redis.xadd.always.c64', () =>
        redisXaddRate(binary('redis'), 'always', 64, ms),
      ),
      ackedRate('ours', 'ephemeral.publish.always.c64', () =>
        acknowledgedPublishes(pki, 64, viaHub.c64Always, 'always'),
      ),
      ackedRate('ours', 'floor.groupcommit.c64', () => measureAcks((acks) => floorGroupCommit(ms, 64, acks))),
    ],
    [
      ackedRate('ours', 'storage.publish.periodic.c1', () =>
        measureAcks((acks) => publishRate('periodic', ms, 1, acks)),
      ),
      ackedRate('redis', 'peer.redis.xadd.everysec.c1', () =>
        redisXaddRate(binary('redis'), 'everysec', 1, ms),
      ),
      ackedRate('ours', 'ephemeral.publish.c1', () => acknowledgedPublishes(pki, 1, viaHub.c1)),
      ackedRate('nats', 'peer.nats.js.publish.c1', () => natsJsPublishRate(binary('nats'), 1, ms)),
      ackedRate('ours', 'floor.periodic.c1', () => measureAcks((acks) => floorPeriodic(ms, acks))),
      ackedRate('mosquitto', 'peer.mosquitto.qos1.publish.c1', () =>
        mosquittoPublishRate(binary('mosquitto'), 1, ms),
      ),
    ],
    [
      ackedRate('ours', 'ephemeral.publish.c64', () => acknowledgedPublishes(pki, 64, viaHub.c64)),
      ackedRate('redis', 'peer.redis.xadd.everysec.c64', () =>
        redisXaddRate(binary('redis'), 'everysec', 64, ms),
      ),
      ackedRate('ours', 'floor.ephemeral.ack_only_hub.c64', () =>
        acknowledgedPublishes(pki, 64, viaHub.c64, 'none-stored'),
      ),
      ackedRate('nats', 'peer.nats.js.publish.c64', () => natsJsPublishRate(binary('nats'), 64, ms)),
      ackedRate('mosquitto', 'peer.mosquitto.qos1.publish.c64', () =>
        mosquittoPublishRate(binary('mosquitto'), 64, ms),
      ),
    ],
    [
      rate('ours', 'storage.deliver.catchup', () => catchup(backlog)),
      rate('redis', 'peer.redis.catchup', () => redisCatchup(binary('redis'), backlog)),
      rate('nats', 'peer.nats.js.catchup', () => natsJsCatchup(binary('nats'), backlog)),
      rate('mosquitto', 'peer.mosquitto.catchup', () => mosquittoCatchup(binary('mosquitto'), backlog)),
    ],
    [
      latency('ours', 'storage.deliver.latency', () => embeddedLatency(samples)),
      latency('redis', 'peer.redis.deliver.latency', () => redisDeliverLatency(binary('redis'), samples)),
      latency('ours', 'federation.e2e.latency', () => crossProcessLatency(pki, samples)),
      latency('nats', 'peer.nats.js.deliver.latency', () => natsJsDeliverLatency(binary('nats'), samples)),
      latency('mosquitto', 'peer.mosquitto.deliver.latency', () =>
        mosquittoDeliverLatency(binary('mosquitto'), samples),
      ),
    ],
    [
      latency('ours', 'rpc.roundtrip.local', () => localRoundTrip(samples)),
      latency('nats', 'peer.nats.request', () => natsRequestLatency(binary('nats'), samples)),
      latency('ours', 'rpc.roundtrip.hop1', () => hopRoundTrip(pki, samples)),
      latency('ours', 'floor.rpc.ping_pong', () => pingPong(samples), true),
    ],
  ];
  return all
    .map((scenario) => scenario.filter((c) => c.peer === undefined || binaries[c.peer] !== undefined))
    .filter((scenario) => scenario.some((c) => c.peer !== undefined));
}
