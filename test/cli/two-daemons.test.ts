// The README's two-daemon federation example, run as two real daemon processes with the example
// configs (certificate paths, data dirs and ports rewritten into a temp dir).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makePki } from '../support/cluster.js';
import { duplicateKeys } from '../support/json-keys.js';
import { tempDir } from '../support/temp-dir.js';
import { killLeftoverDaemons, spawnDaemon, stopCleanly, type DaemonProcess } from './daemon-process.js';
import { assertCliBuilt } from './process.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/two-daemons');

afterAll(() => {
  killLeftoverDaemons();
});

/** The example config with its certs/, data and ports moved into `dir`. */
function localise(file: string, dir: string, certs: string, hubAddr: string): string {
  const text = fs
    .readFileSync(path.join(EXAMPLES, file), 'utf8')
    .replaceAll('certs/', `${certs}/`)
    .replaceAll('./data/', `${dir}/data/`)
    .replace(/listen_addr: 127\.0\.0\.1:44\d\d/, 'listen_addr: 127.0.0.1:0')
    .replaceAll('127.0.0.1:7740', hubAddr);
  const out = path.join(dir, file);
  fs.writeFileSync(out, text);
  return out;
}

/** hub-a and client-b started from the example configs, client-b connected. */
async function startPair(): Promise<{ hub: DaemonProcess; client: DaemonProcess }> {
  assertCliBuilt();
  const dir = tempDir();
  const pki = await makePki(['hub-a', 'client-b']);
  const certs = path.join(dir, 'certs');
  fs.mkdirSync(certs);
  fs.copyFileSync(pki.ca, path.join(certs, 'ca.crt'));
  for (const name of ['hub-a', 'client-b']) {
    fs.copyFileSync(pki.pairs.get(name)!.certFile, path.join(certs, `${name}.crt`));
    fs.copyFileSync(pki.pairs.get(name)!.keyFile, path.join(certs, `${name}.key`));
  }
  const hub = spawnDaemon(['run', '-c', localise('hub-a.yaml', dir, certs, '127.0.0.1:0')], dir);
  const hubAddr = (await hub.started)['hubAddr'] as string;
  expect(hubAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  const client = spawnDaemon(['run', '-c', localise('client-b.yaml', dir, certs, hubAddr)], dir);
  await client.started;
  await vi.waitFor(
    () => {
      expect(client.lines.some((l) => l.msg === 'connected to hub' && l['peer'] === 'hub-a')).toBe(true);
    },
    { timeout: 10_000 },
  );
  await vi.waitFor(() => {
    expect(hub.lines.some((l) => l.msg === 'federation peer connected' && l['peer'] === 'client-b')).toBe(
      true,
    );
  });
  return { hub, client };
}

describe('examples/two-daemons', () => {
  it('federates hub-a and client-b as configured', async () => {
    const { hub, client } = await startPair();
    const connected = hub.lines.find((l) => l.msg === 'federation peer connected');
    // The configured channel, and the client's own inbox, which every hub sends it unasked.
    expect(connected?.['subscribe']).toEqual(['alerts', '_inbox.client-b']);
    await stopCleanly(client);
    await stopCleanly(hub);
  });

  it('writes log lines whose keys are unique, through connect, a lost hub and shutdown', async () => {
    const { hub, client } = await startPair();
    await stopCleanly(hub);
    await vi.waitFor(() => {
      expect(client.lines.some((l) => l.msg === 'disconnected from hub')).toBe(true);
    });
    await stopCleanly(client);
    const lines = [...hub.rawLines, ...client.rawLines];
    expect(lines.filter((line) => line.includes('"component":')).length).toBeGreaterThan(3);
    for (const line of lines) expect(duplicateKeys(line), line).toEqual([]);
  });
});
