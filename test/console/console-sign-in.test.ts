/**
 * The console page with `http.auth`, in headless Chromium against an in-process endpoint: it asks
 * for a token, and offers admin actions only to a client that may administer.
 */
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { openChromium } from './chromium.js';
import { consoleConfig, openConsole, storedSubscriber, tokenOf, type Closers } from './fixture.js';

const opened: Closers = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

describe('web console sign-in', () => {
  it('asks for a bearer token, then shows actions to an administrator only, each confirmed', async () => {
    const dir = tempDir('keyop-console-sign-in-');
    const { messenger, endpoint } = await openConsole(
      { ...consoleConfig(dir), subscribers: { maxRetries: 0, retryBackoffBaseMs: 1 } },
      opened,
    );
    // One dead letter: a handler that fails at once.
    const failing = await messenger.subscribe('orders', 'failing', () => {
      throw new Error('refused');
    });
    await messenger.publish('orders', 'Order', { n: 1 });
    await vi.waitFor(() => {
      expect(messenger.stats().channels['orders.dead-letter']?.bytes).toBeGreaterThan(0);
    });
    await failing.stop();
    storedSubscriber(path.join(dir, 'data'), 'orders', 'billing');

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
    const viewer = await signIn(viewerContext, tokenOf('viewer'));
    expect(await viewer.locator('#skip-billing').count()).toBe(0);
    expect(await viewer.getByText('Purge channel').count()).toBe(0);
    expect(await viewer.locator('#replay-dead-letters').count()).toBe(0);

    const operatorContext = await openChromium();
    opened.push(operatorContext);
    const operator = await signIn(operatorContext, tokenOf('operator'));
    await expect.poll(() => operator.locator('#skip-billing').count()).toBe(1);
    expect(await operator.getByText('Purge channel').count()).toBe(1);

    // Purge asks first; cancelled, nothing is deleted.
    await operator.locator('#purge').click();
    await expect
      .poll(() => operator.locator('#confirm-text').textContent())
      .toContain('Delete every message of orders?');
    await operator.keyboard.press('Escape');
    expect(await operator.locator('#confirm').isVisible()).toBe(false);
    expect(messenger.stats().channels['orders']?.bytes).toBeGreaterThan(0);
    // Replaying the dead letters, confirmed, appends them to orders again and clears them.
    const before = messenger.stats().channels['orders']?.endOffset ?? 0;
    await operator.locator('#replay-dead-letters').click();
    await expect
      .poll(() => operator.locator('#confirm-text').textContent())
      .toContain('Append every dead letter');
    await operator.locator('#confirm-ok').click();
    await expect.poll(() => operator.locator('#dead-letters').textContent()).toBe('0 B');
    expect(messenger.stats().channels['orders']?.endOffset).toBeGreaterThan(before);
  }, 60_000);
});
