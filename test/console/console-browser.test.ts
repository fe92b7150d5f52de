/**
 * The web console in a real headless Chromium (Debian's, driven by playwright-core) against a
 * spawned daemon federated with a second one: the page loads, shows a published message, shows a
 * lagging subscriber's lag rising, and moves its offset to the end through the page. Screenshots go
 * to test-artifacts/console/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Messenger } from '../../src/index.js';
import { killLeftoverDaemons, spawnDaemon, type DaemonProcess } from '../cli/daemon-process.js';
import { assertCliBuilt, runCli } from '../cli/process.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { openChromium } from './chromium.js';

const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');

let context: BrowserContext | undefined;
const daemons: DaemonProcess[] = [];

beforeAll(() => {
  assertCliBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await context?.close();
  for (const daemon of daemons) {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  }
  killLeftoverDaemons();
});

function tlsYaml(pki: TestPki, name: string): string {
  const pair = pki.pairs.get(name)!;
  return `tls:\n  cert: ${pair.certFile}\n  key: ${pair.keyFile}\n  ca: ${pki.ca}\n`;
}

/** hub-a (console on) and client-b subscribed to its `alerts`, connected. */
async function startPair(dir: string, pki: TestPki): Promise<{ hub: DaemonProcess; hubAddr: string }> {
  const hubConfig = path.join(dir, 'hub-a.yaml');
  fs.writeFileSync(
    hubConfig,
    [
      'name: hub-a',
      `storage:\n  data_dir: ${path.join(dir, 'hub-a')}`,
      'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\n  allowed_peers:',
      '    - name: client-b\n      subscribe: [alerts]',
      '    - name: pub\n      publish: [alerts]',
      'http:\n  listen_addr: 127.0.0.1:0\n  console: true',
      tlsYaml(pki, 'hub-a'),
    ].join('\n'),
  );
  const hub = spawnDaemon(['run', '-c', hubConfig], dir);
  daemons.push(hub);
  const hubAddr = (await hub.started)['hubAddr'] as string;
  const clientConfig = path.join(dir, 'client-b.yaml');
  fs.writeFileSync(
    clientConfig,
    [
      'name: client-b',
      `storage:\n  data_dir: ${path.join(dir, 'client-b')}`,
      `client:\n  enabled: true\n  hubs:\n    - addr: ${hubAddr}\n      subscribe: [alerts]`,
      'http:\n  listen_addr: 127.0.0.1:0',
      tlsYaml(pki, 'client-b'),
    ].join('\n'),
  );
  const client = spawnDaemon(['run', '-c', clientConfig], dir);
  daemons.push(client);
  await client.started;
  await vi.waitFor(
    () => {
      expect(hub.lines.some((l) => l.msg === 'federation peer connected' && l['peer'] === 'client-b')).toBe(
        true,
      );
    },
    { timeout: 15_000 },
  );
  return { hub, hubAddr };
}

/** Publishes `payload` to hub-a's `alerts` as `pub`, through the real CLI. */
async function publish(dir: string, pki: TestPki, hubAddr: string, payload: unknown): Promise<void> {
  const pair = pki.pairs.get('pub')!;
  const result = await runCli(
    [
      'publish',
      ...['--hub', hubAddr, '--cert', pair.certFile, '--key', pair.keyFile, '--ca', pki.ca],
      ...['--channel', 'alerts', '--type', 'Alert', '--correlation-id', 'incident-7'],
      JSON.stringify(payload),
    ],
    dir,
  );
  expect(result.code, result.stderr).toBe(0);
}

const lagOf = (page: Page) => page.locator('#subscribers tr[data-subscriber="lagger"] .lag-records');

describe('web console in Chromium', () => {
  it('shows a published message and a rising lag, and moves the lagging subscriber to the end', async () => {
    const dir = fs.realpathSync(tempDir('keyop-console-e2e-'));
    const pki = await makePki(['hub-a', 'client-b', 'pub']);
    // hub-a's data dir: one alert already, and subscriber `lagger` (not running) still before it.
    const seeded = await Messenger.open({ name: 'hub-a', storage: { dataDir: path.join(dir, 'hub-a') } });
    await seeded.publish('alerts', 'Alert', { n: 0 });
    await seeded.close();
    fs.mkdirSync(path.join(dir, 'hub-a', 'subscribers', 'alerts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'hub-a', 'subscribers', 'alerts', 'lagger.offset'), '0\n');
    const { hub, hubAddr } = await startPair(dir, pki);
    const httpUrl = (await hub.started)['httpUrl'] as string;

    context = await openChromium();
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${httpUrl}/ui/#/overview`);
    await expect.poll(() => page.locator('#instance-name').textContent()).toBe('hub-a');
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview.png'), fullPage: true });

    await page.goto(`${httpUrl}/ui/#/channels`);
    const firstRow = page.locator('table tbody tr').first();
    await expect.poll(() => firstRow.textContent()).toContain('alerts');
    await page.locator('#sort-bytes').click(); // largest first: alerts (161 B) before its empty peers, if any
    await expect.poll(() => page.locator('th[aria-sort="descending"]').textContent()).toContain('Size');
    await page.screenshot({ path: path.join(ARTIFACTS, 'channels.png'), fullPage: true });

    await page.locator('table tbody a', { hasText: 'alerts' }).first().click();
    await expect.poll(() => page.url()).toMatch(/#\/channel\/alerts$/);
    await expect.poll(() => lagOf(page).textContent()).toBe('1');
    await publish(dir, pki, hubAddr, { n: 1, text: 'disk almost full' });
    await publish(dir, pki, hubAddr, { n: 2, text: 'disk full' });
    await expect.poll(() => lagOf(page).textContent(), { timeout: 10_000 }).toBe('3');

    await page.locator('#browse-load').click();
    const newest = page.locator('#messages li').first();
    await expect.poll(() => newest.textContent()).toContain('"text": "disk full"');
    expect(await newest.textContent()).toContain('correlation incident-7');
    expect(await page.locator('#messages li').count()).toBe(3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'channel-lagging.png'), fullPage: true });

    await page.locator('#skip-lagger').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#confirm-text').textContent()).toContain('skipping 3 message(s)');
    await page.locator('#confirm-ok').click();
    await expect.poll(() => lagOf(page).textContent(), { timeout: 10_000 }).toBe('0');
    const channelEnd = Number(
      await page.locator('#subscribers tr[data-subscriber="fed-client-b"] td').nth(1).textContent(),
    );
    expect(channelEnd).toBeGreaterThan(0);
    expect(
      Number(fs.readFileSync(path.join(dir, 'hub-a', 'subscribers', 'alerts', 'lagger.offset'), 'utf8')),
    ).toBe(channelEnd);
    // A federation cursor is the federation's to move: the page offers no action on it.
    expect(await page.locator('#skip-fed-client-b').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'channel-reset.png'), fullPage: true });
    // The link to client-b carried them: it shows acks.
    await page.goto(`${httpUrl}/ui/#/federation`);
    const peerRow = page.locator('#links tbody tr', { hasText: 'client-b' }).locator('td');
    await expect.poll(() => peerRow.nth(3).textContent()).toBe('connected');
    await expect
      .poll(async () => Number(await peerRow.nth(6).textContent()), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'federation.png'), fullPage: true });
    // client-b received the published alerts through the federation.
    await vi.waitFor(
      async () => {
        const received = await runCli(
          ['cat', 'alerts', '--json', '-c', path.join(dir, 'client-b.yaml')],
          dir,
        );
        expect(received.stdout).toContain('"disk full"');
      },
      { timeout: 15_000 },
    );
  }, 90_000);
});
