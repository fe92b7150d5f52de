/**
 * The web console's end-to-end scenario, run in each browser (console-browser.test.ts: Chromium,
 * console-firefox.test.ts: Firefox) against two spawned, federated daemons: hub-a (console on,
 * 1,000 channels, a streamkit store, a Durable Stream) and client-b. The page loads, follows live
 * updates, shows a published message, a lagging subscriber's lag rising (redrawn in place), moves
 * its offset through the page, and shows the federation graph, the allowlist, the Durable Stream
 * and the store. Screenshots go to test-artifacts/console/<browser>-<page>.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Messenger, StreamStore } from '../../src/index.js';
import { killLeftoverDaemons, spawnDaemon, type DaemonProcess } from '../cli/daemon-process.js';
import { assertCliBuilt, runCli } from '../cli/process.js';
import { send } from '../http/client.js';
import { makePki, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import type { ConsolePage } from './browsers.js';

/** Where screenshots go. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');

/** Channels besides `alerts` in hub-a's data dir. */
const LOAD_CHANNELS = 1000;

function tlsYaml(pki: TestPki, name: string): string {
  const pair = pki.pairs.get(name)!;
  return `tls:\n  cert: ${pair.certFile}\n  key: ${pair.keyFile}\n  ca: ${pki.ca}\n`;
}

/**
 * hub-a's data dir before it starts: one alert, subscriber `lagger` (not running) before it,
 * {@link LOAD_CHANNELS} more channels, and store `orders` with one segment, a held lease and a
 * worker.
 */
async function seedHub(dataDir: string): Promise<void> {
  const seeded = await Messenger.open({
    name: 'hub-a',
    storage: { dataDir, syncPolicy: 'none' },
  });
  try {
    await seeded.publish('alerts', 'Alert', { n: 0 });
    for (let i = 0; i < LOAD_CHANNELS; i += 1) {
      await seeded.publish(`load.c${String(i).padStart(4, '0')}`, 'Load', { i });
    }
    const store = await StreamStore.open(seeded, { store: 'orders' });
    await store.append('eu', 'order-17', { placed: true });
    await store.append('eu', 'order-17', { paid: true });
    await store.acquireLease('billing', 'node-a', 10 * 60_000);
    const worker = await store.joinWorkers('picker-1', { zone: 'eu' });
    await worker.leave().catch(() => undefined);
    await store.joinWorkers('picker-2', { zone: 'us' });
    await store.close();
  } finally {
    await seeded.close();
  }
  fs.mkdirSync(path.join(dataDir, 'subscribers', 'alerts'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'subscribers', 'alerts', 'lagger.offset'), '0\n');
}

/** Two daemons: hub-a (console on) and client-b subscribed to its `alerts`, connected. */
interface Pair {
  readonly dir: string;
  readonly pki: TestPki;
  readonly hub: DaemonProcess;
  readonly hubAddr: string;
  readonly httpUrl: string;
}

/** Starts hub-a and client-b; `daemons` gets both to stop after the test. */
async function startPair(daemons: DaemonProcess[]): Promise<Pair> {
  const dir = fs.realpathSync(tempDir('keyop-console-e2e-'));
  const pki = await makePki(['hub-a', 'client-b', 'pub']);
  await seedHub(path.join(dir, 'hub-a'));
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
      'streamkit:\n  stores:\n    - name: orders',
      tlsYaml(pki, 'hub-a'),
    ].join('\n'),
  );
  const hub = spawnDaemon(['run', '-c', hubConfig], dir);
  daemons.push(hub);
  const started = await hub.started;
  const hubAddr = started['hubAddr'] as string;
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
  return { dir, pki, hub, hubAddr, httpUrl: started['httpUrl'] as string };
}

/** Publishes `payload` to hub-a's `alerts` as `pub`, through the real CLI. */
async function publish(pair: Pair, payload: unknown): Promise<void> {
  const cert = pair.pki.pairs.get('pub')!;
  const result = await runCli(
    [
      'publish',
      ...['--hub', pair.hubAddr, '--cert', cert.certFile, '--key', cert.keyFile, '--ca', pair.pki.ca],
      ...['--channel', 'alerts', '--type', 'Alert', '--correlation-id', 'incident-7'],
      JSON.stringify(payload),
    ],
    pair.dir,
  );
  expect(result.code, result.stderr).toBe(0);
}

/** Creates Durable Stream `jobs/log` on hub-a and appends one message as producer `ingest-1`. */
async function createStream(pair: Pair): Promise<void> {
  const tls = { ca: fs.readFileSync(pair.pki.ca, 'utf8') };
  const url = `${pair.httpUrl}/v1/stream/jobs/log`;
  const json = { 'content-type': 'application/json' };
  expect((await send(url, { method: 'PUT', headers: json, tls })).status).toBe(201);
  const producer = { ...json, 'producer-id': 'ingest-1', 'producer-epoch': '1', 'producer-seq': '0' };
  const appended = await send(url, { method: 'POST', headers: producer, body: '{"job":1}', tls });
  expect(appended.status, appended.body).toBeLessThan(300);
}

/** `selector` as a JavaScript string literal. */
const q = (selector: string) => JSON.stringify(selector);
/** The text of the first element of `selector`, or null. */
const text = (page: ConsolePage, selector: string) =>
  page.evaluate(`document.querySelector(${q(selector)})?.textContent ?? null`) as Promise<string | null>;
const count = (page: ConsolePage, selector: string) =>
  page.evaluate(`document.querySelectorAll(${q(selector)}).length`) as Promise<number>;
const attribute = (page: ConsolePage, selector: string, name: string) =>
  page.evaluate(`document.querySelector(${q(selector)})?.getAttribute(${q(name)}) ?? null`) as Promise<
    string | null
  >;
const hidden = (page: ConsolePage, selector: string) =>
  page.evaluate(`document.querySelector(${q(selector)})?.hidden`) as Promise<boolean | undefined>;
/** The paths the page has fetched. */
const fetched = (page: ConsolePage) =>
  page.evaluate(
    "performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname)",
  ) as Promise<string[]>;
const shoot = (page: ConsolePage, name: string) =>
  page.screenshot(path.join(ARTIFACTS, `${page.browser}-${name}.png`));

const LAGGER = '#subscribers tr[data-subscriber="lagger"]';

/** Runs the scenario in `page` against `pair`. */
async function consoleScenario(page: ConsolePage, pair: Pair): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const ui = `${pair.httpUrl}/ui/`;

  // Overview; the first Tab reaches the skip link.
  await page.goto(`${ui}#/overview`);
  await expect.poll(() => text(page, '#instance-name'), { timeout: 10_000 }).toBe('hub-a');
  await page.press('Tab');
  expect(await page.evaluate('document.activeElement?.className')).toBe('skip');
  // Live updates come as server-sent events (a stream still open is not listed yet): the uptime
  // goes on while the page never fetched the overview.
  const uptime = await text(page, '#uptime');
  await expect.poll(() => text(page, '#uptime'), { timeout: 10_000 }).not.toBe(uptime);
  expect((await fetched(page)).filter((p) => p.startsWith('/ui/api/'))).toEqual(['/ui/api/session']);
  // The store is hosted: its page is offered.
  expect(await hidden(page, 'nav a[href="#/streamkit"]')).toBe(false);
  await shoot(page, 'overview');

  // 1,001 channels: paged 50 at a time, filtered by name.
  await page.goto(`${ui}#/channels`);
  await expect.poll(() => text(page, '#channels caption'), { timeout: 15_000 }).toMatch(/^10\d\d channels$/);
  expect(await count(page, '#channels tbody tr')).toBe(50);
  expect(await text(page, '#page-position')).toMatch(/^page 1 of 2\d$/);
  await page.click('#page-next');
  await expect.poll(() => text(page, '#page-position')).toMatch(/^page 2 of /);
  await page.click('#sort-bytes');
  await expect.poll(() => text(page, 'th[aria-sort="descending"]')).toContain('Size');
  await page.fill('#channel-filter', 'alerts');
  await expect.poll(() => count(page, '#channels tbody tr')).toBe(1);
  await shoot(page, 'channels');

  await page.click('#channels tbody a');
  await expect.poll(() => page.url()).toMatch(/#\/channel\/alerts$/);
  await expect.poll(() => text(page, `${LAGGER} .lag-records`), { timeout: 10_000 }).toBe('1');
  // The row is kept and updated in place, not drawn again.
  await page.evaluate(`window.laggerRow = document.querySelector(${q(LAGGER)})`);
  await publish(pair, { n: 1, text: 'disk almost full' });
  await publish(pair, { n: 2, text: 'disk full' });
  await expect.poll(() => text(page, `${LAGGER} .lag-records`), { timeout: 10_000 }).toBe('3');
  expect(await page.evaluate(`window.laggerRow === document.querySelector(${q(LAGGER)})`)).toBe(true);

  // Every field has a label, every button a name, every table header a scope.
  expect(
    await page.evaluate(
      "[...document.querySelectorAll('input')].filter((i) => !i.hidden && i.labels.length === 0 && !i.getAttribute('aria-label')).map((i) => i.id)",
    ),
  ).toEqual([]);
  expect(
    await page.evaluate(
      "[...document.querySelectorAll('button')].filter((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim() === '').length",
    ),
  ).toBe(0);
  expect(await count(page, 'th:not([scope])')).toBe(0);
  await page.click('#browse-load');
  await expect.poll(() => text(page, '#messages li')).toContain('"text": "disk full"');
  expect(await text(page, '#messages li')).toContain('correlation incident-7');
  expect(await count(page, '#messages li')).toBe(3);
  await shoot(page, 'channel-lagging');

  // Offset reset through the page, by keyboard, after a confirmation.
  await page.focus('#skip-lagger');
  expect(await page.evaluate('document.activeElement?.id')).toBe('skip-lagger');
  if (page.keysActivate) await page.press('Enter');
  else await page.click('#skip-lagger');
  await expect.poll(() => text(page, '#confirm-text')).toContain('skipping 3 message(s)');
  await page.click('#confirm-ok');
  await expect.poll(() => text(page, `${LAGGER} .lag-records`), { timeout: 10_000 }).toBe('0');
  const channelEnd = Number(
    await text(page, '#subscribers tr[data-subscriber="fed-client-b"] td:nth-child(2)'),
  );
  expect(channelEnd).toBeGreaterThan(0);
  const offsetFile = path.join(pair.dir, 'hub-a', 'subscribers', 'alerts', 'lagger.offset');
  expect(Number(fs.readFileSync(offsetFile, 'utf8'))).toBe(channelEnd);
  // A federation cursor is the federation's to move: the page offers no action on it.
  expect(await count(page, '#skip-fed-client-b')).toBe(0);
  await shoot(page, 'channel-reset');

  // The federation graph: client-b connected, its link carried the alerts; pub allowlisted, absent.
  await page.goto(`${ui}#/federation`);
  const edge = '#federation-graph g.edge[data-key="peer:client-b"]';
  await expect.poll(() => attribute(page, edge, 'data-state'), { timeout: 10_000 }).toBe('connected');
  await expect
    .poll(async () => Number(await text(page, '#links tr[data-key="peer:client-b"] td:nth-child(7)')), {
      timeout: 10_000,
    })
    .toBeGreaterThan(0);
  await expect
    .poll(() => attribute(page, '#federation-graph g.edge[data-key="peer:pub"]', 'data-state'))
    .toBe('absent');
  await expect
    .poll(() => text(page, '#allowlist tr[data-key="peer:client-b"]'))
    .toBe('peerclient-balertsany channel');
  expect(await text(page, '#allowlist tr[data-key="peer:pub"]')).toBe('peerpubwhatever it requestsalerts');
  await shoot(page, 'federation');

  // A Durable Stream appears, with its producer.
  await createStream(pair);
  await page.goto(`${ui}#/streams`);
  await expect
    .poll(() => text(page, '#streams tr[data-key="jobs/log"]'), { timeout: 10_000 })
    .toContain('ingest-1: epoch 1, last seq 0');
  expect(await hidden(page, 'nav a[href="#/streams"]')).toBe(false);
  await shoot(page, 'streams');

  // The streamkit store: its space and segment, the held lease, the worker, the request inbox.
  await page.goto(`${ui}#/streamkit`);
  await expect
    .poll(() => text(page, '#store-orders-spaces tr[data-key="eu"]'), { timeout: 10_000 })
    .toBe('eu2100');
  expect(await text(page, '#store-orders-leases tr[data-key="billing"]')).toContain('node-a');
  expect(await text(page, '#store-orders-workers tr[data-key="picker-2"]')).toContain('zone=us');
  expect(await count(page, '#store-orders-workers tr[data-key="picker-1"]')).toBe(0);
  expect(await text(page, 'main')).toContain('_inbox.hub-a');
  await shoot(page, 'streamkit');

  // client-b received the published alerts through the federation.
  await vi.waitFor(
    async () => {
      const received = await runCli(
        ['cat', 'alerts', '--json', '-c', path.join(pair.dir, 'client-b.yaml')],
        pair.dir,
      );
      expect(received.stdout).toContain('"disk full"');
    },
    { timeout: 15_000 },
  );
}

/** The scenario as a test file's suite, in the browser `open` starts. */
export function describeConsoleE2e(title: string, open: () => Promise<ConsolePage>): void {
  describe(title, () => {
    let page: ConsolePage | undefined;
    const daemons: DaemonProcess[] = [];
    beforeAll(() => {
      assertCliBuilt();
    });
    afterAll(async () => {
      await page?.close();
      for (const daemon of daemons) {
        daemon.child.kill('SIGTERM');
        await daemon.exited;
      }
      killLeftoverDaemons();
    });

    it('shows channels, a rising lag, an offset reset, federation, a Durable Stream and a streamkit store', async () => {
      const pair = await startPair(daemons);
      page = await open();
      await consoleScenario(page, pair);
    }, 150_000);
  });
}
