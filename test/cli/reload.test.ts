// SIGHUP to a spawned daemon: the allowlist and log.level are reloaded, other keys are named as
// needing a restart, and a broken file keeps the running configuration.
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
import { assertCliBuilt } from './process.js';

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
});
