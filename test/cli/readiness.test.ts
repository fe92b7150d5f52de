// `/readyz` of a spawned daemon whose only hub refuses it (4403), against a real hub on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { getStatus, killLeftoverDaemons, LogLevel, spawnDaemon } from './daemon-process.js';
import { assertCliBuilt } from './process.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'a', 'b']);
});

const nodes: TestNode[] = [];
afterEach(async () => {
  killLeftoverDaemons();
  for (const n of nodes.splice(0)) await n.stop();
});

describe('keyop-messenger run: /readyz', () => {
  it('answers 503 while the only hub refuses the instance, and logs the refusal once with its code', async () => {
    const hub = await startNode({ name: 'hub1', pki, hub: { allowedPeers: [{ name: 'b' }] } });
    nodes.push(hub);
    const dir = fs.realpathSync(tempDir('keyop-run-'));
    const a = pki.pairs.get('a')!;
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      [
        'name: a',
        'http:\n  listen_addr: 127.0.0.1:0',
        `storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}`,
        `tls:\n  cert: ${a.certFile}\n  key: ${a.keyFile}\n  ca: ${pki.ca}`,
        `client:\n  enabled: true\n  hubs:\n    - addr: ${hub.hubAddr}\n      publish: [x]`,
        'federation:\n  reconnect_base_ms: 20\n  reconnect_max_ms: 200',
        '',
      ].join('\n'),
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const { httpUrl } = await daemon.started;
    const ca = fs.readFileSync(pki.ca, 'utf8');
    await vi.waitFor(async () => {
      expect(await getStatus(`${httpUrl as string}/readyz`, ca)).toBe(503);
    });
    // The log line and the HTTP answer travel on separate pipes: wait for the line, then check it is
    // the only error-level one.
    const refusalErrors = (): unknown[] =>
      daemon.lines.filter(
        (line) => line.msg.startsWith('the hub refuses this instance') && line.level === LogLevel.error,
      );
    await vi.waitFor(() => {
      expect(refusalErrors().length).toBeGreaterThan(0);
    });
    expect(refusalErrors()).toEqual([
      expect.objectContaining({
        code: 'ERR_LINK_REFUSED',
        reason: expect.stringContaining('not in allowlist (close code 4403)') as string,
      }),
    ]);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
