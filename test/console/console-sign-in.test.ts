/**
 * The console page with `http.auth`, in headless Chromium against an in-process endpoint: it asks
 * for a token, and offers admin actions only to a client that may administer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { messengerHost } from '../../cmd/keyop-messenger/admin/hosts.js';
import { silentLogger } from '../../internal/logger/index.js';
import { Messenger, startHttpEndpoint } from '../../src/index.js';
import { tokenFileLine } from '../http/client.js';
import { tempDir } from '../support/temp-dir.js';
import { openChromium } from './chromium.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

describe('web console sign-in', () => {
  it('asks for a bearer token, then shows actions to an administrator only', async () => {
    const dir = tempDir('keyop-console-sign-in-');
    const tokens = path.join(dir, 'tokens');
    fs.writeFileSync(
      tokens,
      `${tokenFileLine('viewer', 'viewer-token-0123456789')}\n${tokenFileLine('operator', 'operator-token-0123456789')}\n`,
      { mode: 0o600 },
    );
    const messenger = await Messenger.open({
      storage: { dataDir: path.join(dir, 'data') },
      http: {
        console: true,
        auth: {
          tokensFile: tokens,
          clients: [
            { name: 'viewer', read: ['>'] },
            { name: 'operator', admin: ['>'] },
          ],
        },
      },
    });
    opened.push(messenger);
    await messenger.publish('orders', 'Order', { n: 1 });
    fs.mkdirSync(path.join(dir, 'data', 'subscribers', 'orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'subscribers', 'orders', 'billing.offset'), '0\n');
    const admin = messengerHost(messenger, 'daemon', silentLogger);
    opened.push(admin);
    const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0', admin: admin.host });
    opened.push(endpoint);

    const signIn = async (context: BrowserContext, token: string) => {
      const page = await context.newPage();
      await page.goto(`${endpoint.url}/ui/#/channel/orders`);
      await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
      expect(await page.locator('#status').textContent()).toContain('authentication required');
      await page.locator('#token').fill(token);
      await page.locator('#token').press('Enter');
      await expect.poll(() => page.locator('#subscribers tr[data-subscriber="billing"]').count()).toBe(1);
      expect(await page.locator('#login').isVisible()).toBe(false);
      return page;
    };
    const viewerContext = await openChromium();
    opened.push(viewerContext);
    const viewer = await signIn(viewerContext, 'viewer-token-0123456789');
    expect(await viewer.locator('#skip-billing').count()).toBe(0);
    expect(await viewer.getByText('Purge channel').count()).toBe(0);

    const operatorContext = await openChromium();
    opened.push(operatorContext);
    const operator = await signIn(operatorContext, 'operator-token-0123456789');
    await expect.poll(() => operator.locator('#skip-billing').count()).toBe(1);
    expect(await operator.getByText('Purge channel').count()).toBe(1);
  }, 60_000);
});
