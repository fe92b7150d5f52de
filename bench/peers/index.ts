/**
 * Group `peers`: the brokers a user would run instead, each started by the bench on 127.0.0.1 with a
 * temporary data dir and stopped after, driven with the same ~300-byte envelope lines and the same
 * concurrency as our scenarios of the `storage`, `ephemeral` and `rpc` groups (bench/report maps one
 * onto the other). Every publish rate comes with its send → ack latency (`<metric>.ack_p50_us`,
 * `.ack_p99_us`), and each peer's publish → subscriber latency is measured one message at a time. A
 * peer whose binary is missing is reported with the package to install, and the rest runs.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  ackedRateValues,
  repeat,
  withAckUnits,
  type GroupOptions,
  type Metrics,
  type Percentiles,
} from '../measure.js';
import { detectPeers, type PeerDetection, type PeerName } from './binaries.js';
import { mosquittoCatchup, mosquittoDeliverLatency, mosquittoPublishRate } from './mosquitto.js';
import { natsJsCatchup, natsJsDeliverLatency, natsJsPublishRate, natsRequestLatency } from './nats.js';
import { redisCatchup, redisDeliverLatency, redisXaddRate } from './redis.js';

export { detectPeers, findExecutable, peerSearchPath, PEER_BINARIES, type PeerName } from './binaries.js';

/** A system measured in the run: its version and the settings that decide its durability. */
export interface SystemInfo {
  name: string;
  version: string;
  settings: string;
  /** Why it was not measured (binary missing), when it was not. */
  missing?: string;
}

/** Runtime settings of each peer, as the report states them. */
const SETTINGS: Record<PeerName, { name: string; settings: string }> = {
  redis: {
    name: 'Redis Streams',
    settings:
      'appendonly yes; appendfsync always (fsync of the AOF before the replies of each event-loop turn) ' +
      'or everysec (fsync in a background thread once a second); RDB snapshots off',
  },
  nats: {
    name: 'NATS JetStream',
    settings:
      'file storage, 1 replica; this nats-server refuses sync_interval (2.9.x), so a publish ack means ' +
      'written to the page cache, with fsyncs on the server’s own timer; request/reply is core NATS',
  },
  mosquitto: {
    name: 'Mosquitto',
    settings:
      'QoS 1, persistence true (a snapshot of memory to mosquitto.db every autosave_interval = 1800 s ' +
      'and at exit: a PUBACK means held in memory), max_queued_messages 0, max_inflight_messages 1000',
  },
};

function versionOf(binary: string, args: string[]): string {
  const out = spawnSync(binary, args, { encoding: 'utf8' });
  const text = `${out.stdout}\n${out.stderr}`;
  return /v?=?(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? 'unknown';
}

const VERSION_ARGS: Record<PeerName, string[]> = {
  redis: ['--version'],
  nats: ['--version'],
  mosquitto: ['-h'],
};

/**
 * The systems a run compares itself with: each peer server found (with its version) or missing, when
 * the `peers` group runs; the Durable Streams reference server, when the `streams` group runs.
 */
export function describePeers(
  groups: { peers: boolean; streams: boolean },
  detections: readonly PeerDetection[] = groups.peers ? detectPeers() : [],
): Record<string, SystemInfo> {
  const systems: Record<string, SystemInfo> = {};
  for (const d of detections) {
    const { name, settings } = SETTINGS[d.peer];
    systems[d.peer] = d.found
      ? { name, version: versionOf(d.binary, VERSION_ARGS[d.peer]), settings }
      : { name, version: 'missing', settings, missing: d.message };
  }
  if (!groups.streams) return systems;
  const require = createRequire(import.meta.url);
  const ref = require('@durable-streams/server/package.json') as { version: string };
  systems['durable-streams-ref'] = {
    name: 'Durable Streams reference server',
    version: ref.version,
    settings: 'file store: fdatasync per append (and LMDB metadata); memory store: nothing on disk',
  };
  return systems;
}

/** The units of a latency's `<prefix>.p50_us` and `<prefix>.p99_us`. */
function latencyUnits(prefix: string): Record<string, string> {
  return { [`${prefix}.p50_us`]: 'µs', [`${prefix}.p99_us`]: 'µs' };
}

/** A latency's percentiles as `<prefix>.p50_us` and `<prefix>.p99_us`. */
function latencyValues(prefix: string, p: Percentiles): Record<string, number> {
  return { [`${prefix}.p50_us`]: p.p50, [`${prefix}.p99_us`]: p.p99 };
}

/** Runs the peers group with the binaries found; writes one line to stderr per missing peer. */
export async function runPeersBench(
  { quick }: GroupOptions,
  detections: readonly PeerDetection[] = detectPeers(),
): Promise<Metrics> {
  const runs = quick ? 1 : 3;
  const ms = quick ? 300 : 1500;
  const backlog = quick ? 20_000 : 200_000;
  const samples = quick ? 300 : 3000;
  const msgs = 'msgs/s';
  const metrics: Metrics = {};
  for (const d of detections) {
    if (!d.found) {
      process.stderr.write(`peers: ${d.message}\n`);
      continue;
    }
    const bin = d.binary;
    switch (d.peer) {
      case 'redis':
        Object.assign(
          metrics,
          await repeat(
            runs,
            {
              ...withAckUnits({
                'peer.redis.xadd.always.c1': msgs,
                'peer.redis.xadd.always.c64': msgs,
                'peer.redis.xadd.everysec.c1': msgs,
                'peer.redis.xadd.everysec.c64': msgs,
              }),
              'peer.redis.catchup': msgs,
              ...latencyUnits('peer.redis.deliver.latency'),
            },
            async () => ({
              ...latencyValues('peer.redis.deliver.latency', await redisDeliverLatency(bin, samples)),
              ...ackedRateValues('peer.redis.xadd.always.c1', await redisXaddRate(bin, 'always', 1, ms)),
              ...ackedRateValues('peer.redis.xadd.always.c64', await redisXaddRate(bin, 'always', 64, ms)),
              ...ackedRateValues('peer.redis.xadd.everysec.c1', await redisXaddRate(bin, 'everysec', 1, ms)),
              ...ackedRateValues(
                'peer.redis.xadd.everysec.c64',
                await redisXaddRate(bin, 'everysec', 64, ms),
              ),
              'peer.redis.catchup': await redisCatchup(bin, backlog),
            }),
          ),
        );
        break;
      case 'nats':
        Object.assign(
          metrics,
          await repeat(
            runs,
            {
              ...withAckUnits({ 'peer.nats.js.publish.c1': msgs, 'peer.nats.js.publish.c64': msgs }),
              'peer.nats.js.catchup': msgs,
              ...latencyUnits('peer.nats.js.deliver.latency'),
              ...latencyUnits('peer.nats.request'),
            },
            async () => ({
              ...latencyValues('peer.nats.request', await natsRequestLatency(bin, samples)),
              ...latencyValues('peer.nats.js.deliver.latency', await natsJsDeliverLatency(bin, samples)),
              ...ackedRateValues('peer.nats.js.publish.c1', await natsJsPublishRate(bin, 1, ms)),
              ...ackedRateValues('peer.nats.js.publish.c64', await natsJsPublishRate(bin, 64, ms)),
              'peer.nats.js.catchup': await natsJsCatchup(bin, backlog),
            }),
          ),
        );
        break;
      case 'mosquitto':
        Object.assign(
          metrics,
          await repeat(
            runs,
            {
              ...withAckUnits({
                'peer.mosquitto.qos1.publish.c1': msgs,
                'peer.mosquitto.qos1.publish.c64': msgs,
              }),
              'peer.mosquitto.catchup': msgs,
              ...latencyUnits('peer.mosquitto.deliver.latency'),
            },
            async () => ({
              ...latencyValues('peer.mosquitto.deliver.latency', await mosquittoDeliverLatency(bin, samples)),
              ...ackedRateValues('peer.mosquitto.qos1.publish.c1', await mosquittoPublishRate(bin, 1, ms)),
              ...ackedRateValues('peer.mosquitto.qos1.publish.c64', await mosquittoPublishRate(bin, 64, ms)),
              'peer.mosquitto.catchup': await mosquittoCatchup(bin, backlog),
            }),
          ),
        );
        break;
    }
  }
  return metrics;
}
