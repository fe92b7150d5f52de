// SIGHUP rotates the TLS material of a spawned daemon for new connections: its HTTPS listener and
// its hub serve the new certificate, its next dial to a hub uses the new one, connections already
// open stay up, and unusable files are logged by name while the old material stays in force.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makePki, nodesStoppedAfterEach, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { killLeftoverDaemons, LogLevel, logged, spawnDaemon, stopCleanly } from './daemon-process.js';
import { assertCliBuilt, runCli } from './process.js';

let oldPki: TestPki;
let newPki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  [oldPki, newPki] = await Promise.all([makePki(['hub1', 'a']), makePki(['hub1', 'a', 'h2'])]);
});
afterEach(() => {
  killLeftoverDaemons();
});
const node = nodesStoppedAfterEach();

const RELOADED = 'TLS certificate, key and CA reloaded for new connections (open connections keep theirs)';
const FAILED = 'TLS reload failed; new connections keep the running certificate, key and CA';

/** SHA-256 fingerprint of the certificate file `file`, as Node prints it. */
function fingerprintOf(file: string): string {
  return new X509Certificate(fs.readFileSync(file)).fingerprint256;
}

/** The fingerprint of the certificate a new TLS connection to `port` is served (client cert of `pki`'s `a`). */
function servedFingerprint(port: number, pki: TestPki): Promise<string> {
  const a = pki.pairs.get('a')!;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      cert: fs.readFileSync(a.certFile),
      key: fs.readFileSync(a.keyFile),
      // Whichever certificate is served, read it.
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** `GET /healthz` through `agent`: the status, the socket that carried it and the certificate it was served. */
function healthz(
  url: string,
  agent: https.Agent,
): Promise<{ status: number; socket: unknown; fingerprint: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${url}/healthz`, { agent }, (res) => {
      // Taken now: once the body is read, the socket goes back to the agent's pool.
      const socket = res.socket;
      const fingerprint =
        socket instanceof tls.TLSSocket ? socket.getPeerCertificate().fingerprint256 : undefined;
      res.resume();
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, socket, fingerprint });
      });
    });
    req.once('error', reject);
  });
}

const portOf = (addr: string): number => Number(addr.slice(addr.lastIndexOf(':') + 1));

describe('keyop-messenger run: SIGHUP reloads TLS', () => {
  it('serves and dials with rotated files for new connections, keeps open ones, and keeps the old material when the new is unusable', async () => {
    const dir = fs.realpathSync(tempDir('keyop-tls-reload-'));
    const files = {
      cert: path.join(dir, 'hub1.crt'),
      key: path.join(dir, 'hub1.key'),
      ca: path.join(dir, 'ca.crt'),
    };
    const install = (pki: TestPki, key = pki): void => {
      fs.copyFileSync(pki.pairs.get('hub1')!.certFile, files.cert);
      fs.copyFileSync(key.pairs.get('hub1')!.keyFile, files.key);
      fs.copyFileSync(pki.ca, files.ca);
    };
    install(oldPki);
    // A hub of the new CA only: the daemon's dials to it fail until it holds the new material.
    const h2 = await node({ name: 'h2', pki: newPki, hub: {} });
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      `name: hub1
http: { listen_addr: 127.0.0.1:0, readiness_hubs: ignore }
storage: { data_dir: ${JSON.stringify(path.join(dir, 'data'))} }
tls: { cert: ${files.cert}, key: ${files.key}, ca: ${files.ca}, expiry_warn_days: 36500 }
hub: { enabled: true, listen_addr: 127.0.0.1:0 }
client: { enabled: true, hubs: [{ addr: ${h2.hubAddr}, publish: [] }] }
federation: { reconnect_base_ms: 20, reconnect_max_ms: 200 }
`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const started = await daemon.started;
    const httpUrl = started.httpUrl as string;
    const httpPort = portOf(httpUrl);
    const hubPort = portOf(started.hubAddr as string);
    const oldPrint = fingerprintOf(oldPki.pairs.get('hub1')!.certFile);
    const newPrint = fingerprintOf(newPki.pairs.get('hub1')!.certFile);

    // Open before the rotation: a federation link of `a` and a kept-alive HTTPS connection.
    const a = await node({
      name: 'a',
      pki: oldPki,
      hubs: [{ addr: started.hubAddr as string, publish: ['x'] }],
    });
    await a.clients()[0]!.whenState('connected');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const first = await healthz(httpUrl, agent);
    expect(first.fingerprint).toBe(oldPrint);
    expect(await servedFingerprint(hubPort, oldPki)).toBe(oldPrint);
    expect(h2.messenger.stats().federation?.hub?.peers).toEqual([]);

    // A key that does not match the certificate: logged with the files, the old material serves on.
    install(newPki, oldPki);
    let from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    const failed = await logged(daemon, from, FAILED);
    expect(failed).toMatchObject({ level: LogLevel.error, cert: files.cert, key: files.key });
    expect(failed.problem).toContain(files.key);
    expect(await logged(daemon, from, 'configuration reloaded')).toMatchObject({ tls: 'kept' });
    expect(await servedFingerprint(httpPort, oldPki)).toBe(oldPrint);
    // A missing CA file is named too.
    fs.rmSync(files.ca);
    from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect((await logged(daemon, from, FAILED)).problem).toContain(
      `cannot read TLS CA certificate ${files.ca}`,
    );
    expect(await servedFingerprint(hubPort, oldPki)).toBe(oldPrint);

    // The new CA and leaf: new connections get them, open ones stay up.
    install(newPki);
    from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect(await logged(daemon, from, RELOADED)).toMatchObject({
      cert: files.cert,
      fingerprint256: newPrint,
      serial: new X509Certificate(fs.readFileSync(files.cert)).serialNumber,
    });
    expect(await logged(daemon, from, 'configuration reloaded')).toMatchObject({
      tls: 'reloaded',
      applied: [],
    });
    expect(await servedFingerprint(httpPort, newPki)).toBe(newPrint);
    expect(await servedFingerprint(hubPort, newPki)).toBe(newPrint);
    // The next dial to h2 carries the new certificate, which h2's CA accepts.
    await vi.waitFor(() => {
      expect(h2.messenger.stats().federation?.hub?.peers).toEqual(['hub1']);
    }, 10_000);

    const second = await healthz(httpUrl, agent);
    expect(second.status).toBe(200);
    expect(second.socket).toBe(first.socket);
    expect(second.fingerprint).toBe(oldPrint);
    expect(a.clients()[0]!.connects).toBe(1);
    await a.messenger.publish('x', 'X', { over: 'the link opened before the rotation' });
    await vi.waitFor(async () => {
      const cat = await runCli(['cat', 'x', '--json', '-c', config], dir);
      expect(cat.stdout).toContain('the link opened before the rotation');
    });
    // A SIGHUP with nothing changed keeps the material and checks expiry again (every certificate
    // of the test PKI expires within tls.expiry_warn_days: 36500).
    from = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    expect(await logged(daemon, from, 'configuration reloaded')).toMatchObject({ tls: 'unchanged' });
    expect(await logged(daemon, from, 'certificate expiring soon')).toMatchObject({ path: files.cert });
    agent.destroy();
    await stopCleanly(daemon);
  });
});
