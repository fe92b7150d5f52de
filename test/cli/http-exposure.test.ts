/** The daemon refuses to serve anonymous clients off loopback unless told so, loudly. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { getStatus, killLeftoverDaemons, LogLevel, spawnDaemon } from './daemon-process.js';
import { assertCliBuilt } from './process.js';

function configDir(yaml: string): { dir: string; config: string } {
  const dir = fs.realpathSync(tempDir('keyop-exposure-'));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, `${yaml}storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`);
  return { dir, config };
}

describe('keyop-messenger run: HTTP exposure', () => {
  beforeAll(assertCliBuilt);
  afterEach(killLeftoverDaemons);

  it('exits 78 naming http.listen_addr when it is not loopback and http.auth is not configured', async () => {
    const { dir, config } = configDir('http:\n  listen_addr: "0.0.0.0:0"\n');
    const daemon = spawnDaemon(['run', '-c', config], dir);
    expect(await daemon.exited).toBe(78);
    expect(daemon.stderr()).toContain('http.listen_addr (line 2:16) "0.0.0.0:0" is not a loopback address');
    expect(daemon.stderr()).toContain('http.insecure_allow_anonymous: true');
    expect(daemon.lines).toEqual([]);
  });

  it('starts with http.insecure_allow_anonymous and warns about it', async () => {
    const { dir, config } = configDir(
      'http:\n  listen_addr: "0.0.0.0:0"\n  insecure_allow_anonymous: true\n',
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    const warning = daemon.lines.find((line) => line.level === LogLevel.warn);
    expect(warning).toMatchObject({ key: 'http.insecure_allow_anonymous' });
    expect(warning?.msg).toContain('INSECURE');
    const port = new URL(String(started['httpUrl'])).port;
    expect(await getStatus(`http://127.0.0.1:${port}/healthz`)).toBe(200);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('exits 78 naming http.auth.tokens_file when the file is open to others', async () => {
    const { dir } = configDir('');
    const tokens = path.join(dir, 'tokens');
    fs.writeFileSync(tokens, `ci sha256:${'0'.repeat(64)}\n`, { mode: 0o644 });
    fs.chmodSync(tokens, 0o644);
    const config = path.join(dir, 'auth.yaml');
    fs.writeFileSync(
      config,
      `http:\n  listen_addr: "127.0.0.1:0"\n  auth:\n    tokens_file: ${JSON.stringify(tokens)}\n` +
        `    clients:\n      - name: ci\n        read: [">"]\nstorage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    expect(await daemon.exited).toBe(78);
    expect(daemon.stderr()).toContain('http.auth.tokens_file');
    expect(daemon.stderr()).toContain('has mode 0644');
  });
});
