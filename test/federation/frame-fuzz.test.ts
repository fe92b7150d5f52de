// Frame-level fuzzing of a real hub: thousands of seeded malformed and random frames (mutated
// opcodes, RSV bits, masks, 16- and 64-bit lengths, fragmentation order, invalid UTF-8, truncations,
// bytes before and after the upgrade) from many short connections, while a well-behaved peer keeps
// publishing: every one of its records must be acknowledged and stored, throughout. In-process for
// volume (plain ws and mutual TLS), then against the daemon as a spawned process.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, killLeftoverDaemons } from '../cli/daemon-process.js';
import { assertCliBuilt } from '../cli/process.js';
import { makePki, nodesStoppedAfterEach, type TestPki } from '../support/cluster.js';
import { FrameFuzzer, runFuzzConnection } from '../support/frame-fuzz.js';
import { collector } from '../support/messages.js';
import type { RawTlsFiles } from '../support/raw-websocket.js';
import { seededRandom } from '../support/seeded-random.js';
import { tempDir } from '../support/temp-dir.js';
import { connectWellBehavedPeer, type WellBehavedPeer } from '../support/well-behaved-peer.js';

/** Fixed so that a failure can be replayed; override with KEYOP_FUZZ_SEED to explore. */
const SEED = Number(process.env['KEYOP_FUZZ_SEED'] ?? 0x15f7a2);
/** Connections at once. */
const PARALLEL = 12;

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['hub1', 'good', 'fuzzer', 'stranger']);
});

const startNode = nodesStoppedAfterEach();
afterAll(() => {
  killLeftoverDaemons();
});

function files(name: string): RawTlsFiles {
  return { ...pki.pairs.get(name)!, ca: pki.ca };
}

/**
 * Runs `connections` fuzz connections (from `fuzzer`, `PARALLEL` at a time, with `filesOf(i)`), and
 * between groups has `peer` publish to `probe`, each publish awaited. Resolves with the fuzz cases
 * sent and the ids acknowledged.
 */
async function fuzz(
  addr: string,
  fuzzer: FrameFuzzer,
  connections: number,
  filesOf: (index: number) => RawTlsFiles | undefined,
  peer: WellBehavedPeer,
): Promise<{ cases: number; acked: string[] }> {
  let cases = 0;
  const acked: string[] = [];
  for (let start = 0; start < connections; start += PARALLEL) {
    const group = [];
    for (let i = start; i < Math.min(connections, start + PARALLEL); i++) {
      const script = fuzzer.connection(i);
      cases += script.cases;
      group.push(runFuzzConnection(addr, filesOf(i), script));
    }
    await Promise.all(group);
    acked.push(await peer.publish('probe'));
  }
  return { cases, acked };
}

describe('frame fuzzing (seed ' + `0x${SEED.toString(16)})`, () => {
  it('a plain ws hub serves a well-behaved peer throughout thousands of malformed frames', async () => {
    const h = await startNode({ name: 'hub1', hub: {}, handshakeTimeoutMs: 1000 });
    const stored = collector();
    await h.messenger.subscribe('probe', 'check', stored.handler, { from: 'beginning' });
    const peer = await connectWellBehavedPeer(h.hubAddr, 'good', undefined);
    const { cases, acked } = await fuzz(
      h.hubAddr,
      new FrameFuzzer(seededRandom(SEED)),
      1200,
      () => undefined,
      peer,
    );
    expect(cases).toBeGreaterThan(8000);
    // A newcomer is served too, and everything acknowledged was stored, in order.
    const late = await connectWellBehavedPeer(h.hubAddr, 'late', undefined);
    acked.push(await late.publish('probe'));
    late.close();
    peer.close();
    await stored.waitFor(acked.length);
    expect(stored.messages.map((m) => m.id)).toEqual(acked);
  });

  it('a mutual-TLS hub does too, for allowlisted and unlisted certificates', async () => {
    const h = await startNode({
      name: 'hub1',
      pki,
      hub: { allowedPeers: [{ name: 'good' }, { name: 'fuzzer' }] },
      handshakeTimeoutMs: 1000,
    });
    const stored = collector();
    await h.messenger.subscribe('probe', 'check', stored.handler, { from: 'beginning' });
    const peer = await connectWellBehavedPeer(h.hubAddr, 'good', files('good'));
    const { cases, acked } = await fuzz(
      h.hubAddr,
      new FrameFuzzer(seededRandom(SEED + 1)),
      120,
      (i) => files(i % 4 === 0 ? 'stranger' : 'fuzzer'),
      peer,
    );
    expect(cases).toBeGreaterThan(500);
    peer.close();
    await stored.waitFor(acked.length);
    expect(stored.messages.map((m) => m.id)).toEqual(acked);
  });

  it('the daemon process stays up and serves a well-behaved peer', async () => {
    assertCliBuilt();
    const dir = tempDir('keyop-fuzz-daemon-');
    const dataDir = path.join(dir, 'data');
    const config = path.join(dir, 'config.yaml');
    const hub1 = pki.pairs.get('hub1')!;
    fs.writeFileSync(
      config,
      [
        'name: hub1',
        `storage:\n  data_dir: ${dataDir}`,
        'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\n  allowed_peers:\n    - name: good\n    - name: fuzzer',
        `tls:\n  cert: ${hub1.certFile}\n  key: ${hub1.keyFile}\n  ca: ${pki.ca}`,
        'http:\n  listen_addr: 127.0.0.1:0',

        '',
      ].join('\n'),
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const addr = (await daemon.started)['hubAddr'] as string;
    let exitedEarly: number | string | undefined;
    void daemon.exited.then((code) => (exitedEarly ??= code));
    const peer = await connectWellBehavedPeer(addr, 'good', files('good'));
    const { acked } = await fuzz(
      addr,
      new FrameFuzzer(seededRandom(SEED + 2)),
      60,
      (i) => files(i % 3 === 0 ? 'stranger' : 'fuzzer'),
      peer,
    );
    peer.close();
    expect(exitedEarly).toBeUndefined();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.stderr()).toBe('');
    const stored = fs
      .readdirSync(path.join(dataDir, 'channels', 'probe'))
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .flatMap((f) => fs.readFileSync(path.join(dataDir, 'channels', 'probe', f), 'utf8').split('\n'))
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(stored).toEqual(acked);
  });
});
