import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatRfc3339 } from '../../internal/tlsutil/index.js';
import { tempDir } from '../support/temp-dir.js';
import { writePki } from '../tlsutil/pki.js';
import { getStatus, killLeftoverDaemons, LogLevel, spawnDaemon, stopCleanly } from './daemon-process.js';
import { assertCliBuilt } from './process.js';

/** A temp dir holding `config.yaml`: the HTTP listener on `listenAddr` (default: a free port), then `yaml`. */
function configDir(yaml = '', listenAddr = '127.0.0.1:0'): { dir: string; config: string } {
  const dir = fs.realpathSync(tempDir('keyop-run-'));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, `http:\n  listen_addr: ${listenAddr}\n${yaml}`);
  return { dir, config };
}

/** {@link configDir} plus `storage.data_dir` in it. */
function daemonSetup(yaml = '', listenAddr?: string): { dir: string; config: string; dataDir: string } {
  const { dir, config } = configDir(yaml, listenAddr);
  const dataDir = path.join(dir, 'data');
  fs.appendFileSync(config, `storage:\n  data_dir: ${JSON.stringify(dataDir)}\n`);
  return { dir, config, dataDir };
}

/** The version in package.json. */
async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Sends SIGTERM and expects a clean exit. */
describe('keyop-messenger run', () => {
  beforeAll(assertCliBuilt);
  afterEach(killLeftoverDaemons);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'says where it listens, serves /healthz and /readyz, and shuts down cleanly on %s',
    async (signal) => {
      const { dir, config, dataDir } = daemonSetup();
      const daemon = spawnDaemon(['run', '-c', config], dir);
      const started = await daemon.started;
      expect(started).toMatchObject({
        msg: 'keyop-messenger started',
        config,
        dataDir,
        version: await packageVersion(),
        instance: hostname(),
      });
      expect(started.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const url = started.httpUrl as string;
      expect(await getStatus(`${url}/healthz`)).toBe(200);
      expect(await getStatus(`${url}/readyz`)).toBe(200);
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(true);

      daemon.child.kill(signal);
      expect(await daemon.exited).toBe(0);
      expect(daemon.stderr()).toBe('');
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
      expect(daemon.lines.slice(1).map(({ level, msg, signal: s }) => ({ level, msg, signal: s }))).toEqual([
        { level: LogLevel.info, msg: 'shutting down', signal },
        { level: LogLevel.info, msg: 'shutdown complete', signal: undefined },
      ]);
    },
  );

  it('takes the config from KEYOP_MESSENGER_CONFIG and keeps its data in ./data by default', async () => {
    const { dir, config } = configDir();
    const daemon = spawnDaemon(['run'], dir, { KEYOP_MESSENGER_CONFIG: config });
    expect(await daemon.started).toMatchObject({ config, dataDir: path.join(dir, 'data') });
    expect(fs.existsSync(path.join(dir, 'data', 'LOCK'))).toBe(true);
    await stopCleanly(daemon);
  });

  it('lets KEYOP_MESSENGER_DATA_DIR override storage.data_dir', async () => {
    const { dir, config } = daemonSetup();
    const override = path.join(dir, 'elsewhere');
    const daemon = spawnDaemon(['run', '-c', config], dir, { KEYOP_MESSENGER_DATA_DIR: override });
    expect(await daemon.started).toMatchObject({ dataDir: override });
    expect(fs.existsSync(path.join(override, 'LOCK'))).toBe(true);
    await stopCleanly(daemon);
  });

  it('exits 78 printing every config problem with its line:column, and logs nothing', async () => {
    const { dir, config } = configDir('storage:\n  sync_policy: fast\nlog:\n  level: loud\n');
    const daemon = spawnDaemon(['run', '-c', config], dir);
    expect(await daemon.exited).toBe(78);
    expect(daemon.stderr()).toMatch(/^error: invalid config ".*config\.yaml":\n/);
    expect(daemon.stderr()).toContain('  storage.sync_policy (line 4:16) "fast" is invalid');
    expect(daemon.stderr()).toContain('  log.level (line 6:10) "loud" is invalid');
    expect(daemon.lines).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('exits 78 when the TLS key does not belong to the certificate', async () => {
    const pki = await writePki(tempDir('keyop-pki-'), [{ name: 'node-a' }, { name: 'node-b' }]);
    const [a, b] = pki.instances;
    const { dir, config } = daemonSetup(
      `tls:\n  cert: ${a!.certFile}\n  key: ${b!.keyFile}\n  ca: ${pki.ca.certFile}\n`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    expect(await daemon.exited).toBe(78);
    expect(daemon.stderr()).toContain('tls: unusable TLS material');
  });

  it('exits 2 on bad usage', async () => {
    const daemon = spawnDaemon(['run', '--nope'], tempDir());
    expect(await daemon.exited).toBe(2);
    expect(daemon.stderr()).toContain("unknown option '--nope'");
  });

  it('exits 1 with a clear error when another daemon owns the data dir, leaving that daemon running', async () => {
    const { dir, config, dataDir } = daemonSetup();
    const first = spawnDaemon(['run', '-c', config], dir);
    const { httpUrl } = await first.started;
    const second = spawnDaemon(['run', '-c', config], dir);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toBe(
      `error: data dir ${dataDir} is owned by process ${first.child.pid} (lock file ${path.join(dataDir, 'LOCK')}); one process owns a data dir\n`,
    );
    expect(second.lines).toEqual([]);
    expect(await getStatus(`${httpUrl as string}/readyz`)).toBe(200);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(true);
    await stopCleanly(first);
  });

  it('exits 1 and releases the data dir when the HTTP port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const { dir, config, dataDir } = daemonSetup('', `127.0.0.1:${port}`);
      const daemon = spawnDaemon(['run', '-c', config], dir);
      expect(await daemon.exited).toBe(1);
      expect(daemon.stderr()).toContain('EADDRINUSE');
      expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('warns about a certificate close to expiry and serves HTTPS with the instance certificate', async () => {
    const pki = await writePki(tempDir('keyop-pki-'), [
      { name: 'node-a', ipAddresses: ['127.0.0.1'], days: 10 },
    ]);
    const [instance] = pki.instances;
    const { dir, config } = daemonSetup(
      `tls:\n  cert: ${instance!.certFile}\n  key: ${instance!.keyFile}\n  ca: ${pki.ca.certFile}\n`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    expect(daemon.lines.filter((line) => line.level === LogLevel.warn)).toEqual([
      expect.objectContaining({
        msg: 'certificate expiring soon',
        path: instance!.certFile,
        cn: 'node-a',
        daysLeft: 9,
        warnDays: 30,
        expires: formatRfc3339(new Date(new X509Certificate(fs.readFileSync(instance!.certFile)).validTo)),
      }),
    ]);
    expect(started.instance).toBe('node-a');
    expect(started.httpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(pki.ca.certFile, 'utf8');
    expect(await getStatus(`${started.httpUrl as string}/readyz`, ca)).toBe(200);
    await stopCleanly(daemon);
  });

  it('runs a plain-ws federation hub only when insecure_plaintext says so, and names its address', async () => {
    const { dir, config } = daemonSetup(
      'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\nfederation:\n  insecure_plaintext: true\n',
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    expect(started.hubAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(
      daemon.lines.some(
        (l) =>
          l.msg === 'federation hub WITHOUT TLS: peers are not authenticated; use only on a trusted network',
      ),
    ).toBe(true);
    await stopCleanly(daemon);
  });
});
