// Refusals below the federation protocol (TLS) and refused subscriptions are audited with the peer's
// address and the reason, not only logged.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  SIGNING_ALGORITHM,
  exportPrivateKeyPem,
  generateKeyPair,
  importSigningKey,
} from '../../internal/tlsutil/keys.js';
import { loadX509 } from '../../internal/tlsutil/x509.js';
import { auditLines, waitForAudit, type AuditLine } from '../support/audit.js';
import { makePki, nodesStoppedAfterEach, type TestNode, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';

let pki: TestPki;
let foreign: TestPki;
let twoNames: { certFile: string; keyFile: string };
beforeAll(async () => {
  pki = await makePki(['hub1', 'a']);
  foreign = await makePki(['a']);
  twoNames = await writeTwoCommonNameCertificate(pki);
});

const startNode = nodesStoppedAfterEach();

async function hub(allowedPeers: { name: string; subscribe?: string[] }[] = []): Promise<TestNode> {
  const n = await startNode({ name: 'hub1', pki, hub: { allowedPeers } });
  return n;
}

/** A certificate from the test CA whose subject holds two CNs (`a` and `b`). */
async function writeTwoCommonNameCertificate(p: TestPki): Promise<{ certFile: string; keyFile: string }> {
  const caPem = fs.readFileSync(p.ca, 'utf8');
  const caKey = await importSigningKey(fs.readFileSync(p.ca.replace(/\.crt$/, '.key'), 'utf8'), 'CA key');
  const keys = await generateKeyPair();
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex').replace(/^./, '1'),
    subject: 'CN=a, CN=b',
    issuer: new x509.X509Certificate(caPem).subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  const dir = tempDir('keyop-two-cn-');
  const files = { certFile: path.join(dir, 'two.crt'), keyFile: path.join(dir, 'two.key') };
  fs.writeFileSync(files.certFile, cert.toString('pem'));
  fs.writeFileSync(files.keyFile, exportPrivateKeyPem(keys.privateKey));
  return files;
}

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/**
 * Connects to the hub of `h` (TLS with `options`, else plain TCP), asks for the WebSocket upgrade, and
 * resolves with the local port and what the hub answered once it has closed the connection.
 */
async function attempt(
  h: TestNode,
  options?: tls.ConnectionOptions,
): Promise<{ port: number; answer: string }> {
  const raw = net.connect(Number(h.hubAddr.split(':')[1]), '127.0.0.1');
  await once(raw, 'connect');
  const port = raw.localPort!;
  const socket = options === undefined ? raw : tls.connect({ socket: raw, ...options });
  socket.on('error', () => undefined);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  if (options === undefined) raw.write(UPGRADE);
  else socket.once('secureConnect', () => socket.write(UPGRADE));
  await new Promise((resolve) => socket.once('close', resolve));
  return { port, answer };
}

function certOf(files: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  return { cert: fs.readFileSync(files.certFile), key: fs.readFileSync(files.keyFile) };
}

async function refusal(h: TestNode, { port }: { port: number }): Promise<AuditLine> {
  const line = await waitForAudit(h.dataDir, { event: 'tls_refused', peer_addr: `127.0.0.1:${port}` });
  expect(auditLines(h.dataDir).filter((l) => l.event === 'client_connected')).toEqual([]);
  return line;
}

describe('TLS-level refusals are audited', () => {
  it('a certificate from a foreign CA', async () => {
    const h = await hub();
    const tried = await attempt(h, { ...certOf(foreign.pairs.get('a')!), ca: fs.readFileSync(pki.ca) });
    expect((await refusal(h, tried)).detail).toMatch(/^client certificate not verified: /);
    // TLS 1.3 lets the client finish first; its upgrade request is never read.
    expect(tried.answer).toBe('');
  });

  it('no client certificate', async () => {
    const h = await hub();
    const tried = await attempt(h, { ca: fs.readFileSync(pki.ca) });
    expect((await refusal(h, tried)).detail).toBe('no client certificate');
    expect(tried.answer).toBe('');
  });

  it('TLS 1.2 when the minimum is 1.3', async () => {
    const h = await hub();
    const tried = await attempt(h, {
      ...certOf(pki.pairs.get('a')!),
      ca: fs.readFileSync(pki.ca),
      maxVersion: 'TLSv1.2',
    });
    expect((await refusal(h, tried)).detail).toBe('ERR_SSL_UNSUPPORTED_PROTOCOL: unsupported protocol');
  });

  it('a certificate whose subject has two CNs', async () => {
    const h = await hub();
    const tried = await attempt(h, { ...certOf(twoNames), ca: fs.readFileSync(pki.ca) });
    expect((await refusal(h, tried)).detail).toBe('certificate subject without exactly one CN');
  });

  it('plain ws:// to a wss:// hub', async () => {
    const h = await hub();
    const tried = await attempt(h);
    expect((await refusal(h, tried)).detail).toBe('ERR_SSL_HTTP_REQUEST: http request');
  });

  it('but not a peer that completes TLS', async () => {
    const h = await hub();
    const socket = tls.connect({
      host: '127.0.0.1',
      port: Number(h.hubAddr.split(':')[1]),
      ...certOf(pki.pairs.get('a')!),
      ca: fs.readFileSync(pki.ca),
    });
    await once(socket, 'secureConnect');
    socket.end();
    await once(socket, 'close');
    // Wait for a later event to be sure the audit log has caught up, then check.
    const tried = await attempt(h);
    await refusal(h, tried);
    expect(auditLines(h.dataDir).filter((l) => l.event === 'tls_refused')).toHaveLength(1);
  });
});

describe('refused subscriptions', () => {
  it('are audited with the peer, its address and the refused channels', async () => {
    const h = await hub([{ name: 'a', subscribe: ['alerts'] }]);
    const ws = new WebSocket(`wss://${h.hubAddr}/`, {
      ...certOf(pki.pairs.get('a')!),
      ca: fs.readFileSync(pki.ca),
    });
    await new Promise((r) => ws.once('open', r));
    const port = (ws as unknown as { _socket: net.Socket })._socket.localPort;
    ws.send('{"instance_name":"a","role":"client","version":"1","subscribe":["alerts","secrets","../x"]}');
    await new Promise((r) => ws.once('message', r));
    const line = await waitForAudit(h.dataDir, { event: 'subscription_refused', peer: 'a' });
    expect(line.peer_addr).toBe(`127.0.0.1:${port}`);
    expect(line.detail).toBe('refused=[secrets,../x]');
    ws.terminate();
  });
});
