import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alternate, type Contender } from '../../bench/peers/alternate.js';
import { detectPeers, findExecutable, peerSearchPath } from '../../bench/peers/index.js';
import { peerScenarios, sizes } from '../../bench/peers/scenarios.js';
import type { BenchPki } from '../../bench/pki.js';
import { readResult } from '../../bench/report/index.js';
import { exited, requireBuild } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The installed redis-server (.ci/run installs it); fails, never skips, when it is missing. */
function installedRedis(): string {
  const found = findExecutable('redis-server', peerSearchPath());
  if (found === undefined) throw new Error('redis-server is not installed (apt-get install redis-server)');
  return found;
}

describe('side by side', () => {
  it('runs every system of a scenario in each repeat, the order reversed every other repeat', async () => {
    const calls: string[] = [];
    const system = (name: string, value: number): Contender => ({
      units: { [name]: 'msgs/s' },
      run: () => {
        calls.push(name);
        return Promise.resolve({ [name]: value + calls.length });
      },
    });
    const metrics = await alternate(3, [system('ours', 0), system('peer', 100), system('floor', 1000)]);
    expect(calls).toEqual(['ours', 'peer', 'floor', 'floor', 'peer', 'ours', 'ours', 'peer', 'floor']);
    // Values 1, 6, 7 for ours (calls 1, 6, 7): median 6, and every metric keeps its unit.
    expect(metrics.ours).toEqual({ median: 6, min: 1, max: 7, unit: 'msgs/s' });
    expect(Object.keys(metrics)).toEqual(['ours', 'peer', 'floor']);
  });

  it('measures ours and the floors beside the installed peers only, as peers.<metric>', () => {
    // Never read: the scenarios are listed, not run.
    const pki: BenchPki = { dir: '', ca: '', pairs: new Map() };
    const scenarios = peerScenarios({ redis: '/usr/bin/redis-server' }, pki, sizes(true));
    const units = scenarios.map((s) => Object.assign({}, ...s.map((c) => c.units)) as Record<string, string>);
    const names = units.flatMap((u) => Object.keys(u));
    // Request/reply has no Redis side: left out with NATS missing; NATS and Mosquitto are not run.
    expect(names.some((n) => n.includes('rpc.roundtrip'))).toBe(false);
    expect(names.some((n) => /^peer\.(nats|mosquitto)\./.test(n))).toBe(false);
    // Each scenario keeps ours and its floor, in the same list as Redis's.
    const fsync = units.find((u) => 'peer.redis.xadd.always.c1' in u)!;
    expect(Object.keys(fsync).filter((n) => !n.includes('.ack_'))).toEqual([
      'peers.storage.publish.always.c1',
      'peer.redis.xadd.always.c1',
      'peers.ephemeral.publish.always.c1',
      'peers.floor.fdatasync.c1',
    ]);
    expect(peerScenarios({}, pki, sizes(true))).toEqual([]);
  });
});

describe('peer detection', () => {
  it('reports every peer missing from the search path with the package that installs it', () => {
    const detections = detectPeers([tempDir()]);
    expect(detections.map((d) => d.found)).toEqual([false, false, false]);
    const messages = detections.map((d) => (d.found ? '' : d.message));
    expect(messages[0]).toMatch(/redis-server not found .*apt-get install redis-server/);
    expect(messages[1]).toMatch(/nats-server not found .*apt-get install nats-server/);
    expect(messages[2]).toMatch(/mosquitto not found .*apt-get install mosquitto/);
  });

  it('finds an executable in a folder of the search path and ignores a non-executable file', () => {
    const dir = tempDir();
    fs.symlinkSync(installedRedis(), path.join(dir, 'redis-server'));
    fs.writeFileSync(path.join(dir, 'mosquitto'), 'not executable', { mode: 0o644 });
    const detections = detectPeers([tempDir(), dir]);
    expect(detections[0]).toEqual({ peer: 'redis', found: true, binary: path.join(dir, 'redis-server') });
    expect(detections[2]?.found).toBe(false);
  });

  it('a quick run with only redis-server on the path measures Redis, names the missing peers and exits 0', async () => {
    requireBuild();
    const bin = tempDir();
    fs.symlinkSync(installedRedis(), path.join(bin, 'redis-server'));
    const out = path.join(tempDir(), 'peers.json');
    const child = spawn(
      process.execPath,
      [path.join(root, 'dist/bench/run.js'), '--only', 'peers', '--quick', '--out', out],
      { env: { ...process.env, KEYOP_BENCH_PEER_PATH: bin }, stdio: 'pipe' },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end();
    child.stdout.resume();
    expect(await exited(child)).toBe(0);
    expect(stderr).toMatch(/nats-server not found .*apt-get install nats-server/);
    expect(stderr).toMatch(/mosquitto not found .*apt-get install mosquitto/);
    const result = readResult(out);
    for (const name of [
      'peer.redis.xadd.always.c1',
      'peer.redis.xadd.everysec.c64',
      'peer.redis.catchup',
      'peer.redis.deliver.latency.p50_us',
    ]) {
      expect(result.metrics[name]?.median, name).toBeGreaterThan(0);
    }
    // Each XADD rate comes with its send → reply latency, measured in the same run.
    for (const rate of ['always.c1', 'always.c64', 'everysec.c1', 'everysec.c64']) {
      const p50 = result.metrics[`peer.redis.xadd.${rate}.ack_p50_us`];
      const p99 = result.metrics[`peer.redis.xadd.${rate}.ack_p99_us`];
      expect(p50?.unit, rate).toBe('µs');
      expect(p50?.median, rate).toBeGreaterThan(0);
      expect(p99?.median, rate).toBeGreaterThanOrEqual(p50!.median);
    }
    expect(result.metrics['peer.redis.deliver.latency.p99_us']?.median).toBeGreaterThan(0);
    // Ours and the floor, measured in the same run alternating with Redis, under their peers.* names.
    for (const name of [
      'peers.storage.publish.always.c1',
      'peers.storage.publish.always.c1.ack_p99_us',
      'peers.ephemeral.publish.always.c64',
      'peers.floor.fdatasync.c1',
      'peers.storage.deliver.catchup',
      'peers.federation.e2e.latency.p50_us',
    ]) {
      expect(result.metrics[name]?.median, name).toBeGreaterThan(0);
    }
    expect(result.machine.load_avg?.start).toHaveLength(3);
    expect(Object.keys(result.metrics).some((m) => m.startsWith('peer.nats.'))).toBe(false);
    expect(result.systems?.redis?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(result.systems?.nats?.missing).toMatch(/apt-get install nats-server/);
  }, 120_000);
});
