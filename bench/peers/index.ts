/**
 * Group `peers`: the brokers a user would run instead, each started by the bench on 127.0.0.1 with a
 * temporary data dir and stopped after, driven with the same ~300-byte envelope lines and the same
 * concurrency as our scenarios of the `storage`, `ephemeral`, `federation` and `rpc` groups, which
 * this group runs too, alternating with the peers in every repeat (`peers.<metric>`; bench/report
 * reads those for the comparison). Every publish rate comes with its send → ack latency
 * (`<metric>.ack_p50_us`, `.ack_p99_us`), and each peer's publish → subscriber latency is measured
 * one message at a time. A peer whose binary is missing is reported with the package to install, and
 * the rest runs.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cleanup, type GroupOptions, type Metrics } from '../measure.js';
import { writeBenchPki } from '../pki.js';
import { alternate } from './alternate.js';
import { detectPeers, type PeerDetection, type PeerName } from './binaries.js';
import { peerScenarios, sizes } from './scenarios.js';

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

/**
 * Runs the peers group with the binaries found, each scenario's systems side by side (ours and the
 * floor too: see scenarios.ts); writes one line to stderr per missing peer.
 */
export async function runPeersBench(
  { quick }: GroupOptions,
  detections: readonly PeerDetection[] = detectPeers(),
): Promise<Metrics> {
  const binaries: Partial<Record<PeerName, string>> = {};
  for (const d of detections) {
    if (d.found) binaries[d.peer] = d.binary;
    else process.stderr.write(`peers: ${d.message}\n`);
  }
  const runs = quick ? 1 : 3;
  const pki = await writeBenchPki(['hub1', 'a', 'eph']);
  try {
    const metrics: Metrics = {};
    for (const scenario of peerScenarios(binaries, pki, sizes(quick)))
      Object.assign(metrics, await alternate(runs, scenario));
    return metrics;
  } finally {
    cleanup(pki.dir);
  }
}
