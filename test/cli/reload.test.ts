// SIGHUP to a spawned daemon: the allowlist (peers and their policies) and log.level are reloaded,
// other keys are named as needing a restart, and a broken file keeps the running configuration.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connected, makePki, nodesStoppedAfterEach, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import {
  getStatus,
  killLeftoverDaemons,
  logged,
  LogLevel,
  spawnDaemon,
  stopCleanly,
} from './daemon-process.js';
import { assertCliBuilt, runCli } from './process.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'a']);
});
afterEach(() => {
  killLeftoverDaemons();
});
const node = nodesStoppedAfterEach();

function hubConfig(dir: string, extra: { allowed: string; listen?: string; level?: string }): string {
  const hub = pki.pairs.get('hub1')!;
  return [
    'name: hub1',
    `http:\n  listen_addr: ${extra.listen ?? '127.0.0.1:0'}`,
    `storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}`,
    `tls:\n  cert: ${hub.certFile}\n  key: ${hub.keyFile}\n  ca: ${pki.ca}`,
    `hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\n  allowed_peers:\n${extra.allowed}`,
    `log:\n  level: ${extra.level ?? 'info'}`,
    '',
  ].join('\n');
}

describe('keyop-messenger run: SIGHUP', () => {
  it('reloads the allowlist (a removed peer is refused), names keys that need a restart, keeps the config on a broken file', async () => {
    const dir = fs.realpathSync(tempDir('keyop-reload-'));
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(config, hubConfig(dir, { allowed: '    - name: a' }));
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    const a = await node({ name: 'a', pki, hubs: [{ addr: started.hubAddr as string, publish: ['x'] }] });
    await connected(a);

    fs.writeFileSync(
      config,
      hubConfig(dir, { allowed: '    - name: b', listen: '127.0.0.1:1', level: 'debug' }),
    );
    let from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect(await logged(daemon, from, 'configuration reloaded')).toMatchObject({
      applied: ['hub.allowed_peers', 'log.level'],
    });
    expect(
      await logged(daemon, from, 'config reload: these changed keys need a restart and were not applied'),
    ).toMatchObject({
      level: LogLevel.warn,
      keys: ['http.listen_addr'],
    });
    await vi.waitFor(() => {
      expect(a.clients()[0]?.state).toBe('refused');
    }, 10_000);

    fs.writeFileSync(config, 'hub: [\n');
    from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect(
      await logged(daemon, from, 'config reload failed; the running configuration is kept'),
    ).toMatchObject({
      level: LogLevel.error,
      config,
    });
    expect(await getStatus(`${started.httpUrl as string}/healthz`, fs.readFileSync(pki.ca, 'utf8'))).toBe(
      200,
    );
    await stopCleanly(daemon);
  });

  it("applies a peer's changed publish policy: the peer is reconnected under it, and what it may publish changes", async () => {
    const dir = fs.realpathSync(tempDir('keyop-reload-policy-'));
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(config, hubConfig(dir, { allowed: '    - name: a\n      publish: [x]' }));
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    const a = await node({
      name: 'a',
      pki,
      hubs: [{ addr: started.hubAddr as string, publish: ['x', 'y'] }],
    });
    await connected(a);
    const stored = async (channel: string): Promise<string> =>
      (await runCli(['cat', channel, '--json', '-c', config], dir)).stdout;
    const refusedChannels = (): string[] =>
      fs
        .readFileSync(path.join(dir, 'data', 'audit', 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string; channel?: string })
        .filter((record) => record.event === 'policy_violation')
        .map((record) => record.channel ?? '');
    await a.messenger.publish('x', 'X', { before: true });
    await vi.waitFor(async () => {
      expect(await stored('x')).toContain('"before":true');
    });

    fs.writeFileSync(config, hubConfig(dir, { allowed: '    - name: a\n      publish: [y]' }));
    const from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect(await logged(daemon, from, 'federation peer policy changed; reconnecting it')).toMatchObject({
      peer: 'a',
    });
    await vi.waitFor(() => {
      expect(a.clients()[0]?.connects).toBe(2);
    }, 10_000);
    await a.messenger.publish('x', 'X', { after: true });
    await a.messenger.publish('y', 'Y', { after: true });
    await vi.waitFor(async () => {
      expect(await stored('y')).toContain('"after":true');
      expect(refusedChannels()).toContain('x');
    });
    expect(await stored('x')).not.toContain('"after":true');
    await stopCleanly(daemon);
  });
});
