/**
 * Hostile data in the console, in Debian's headless Chromium: a message type, payload and correlation
 * id, a subscriber id, a Durable Stream's content type and producer id, and an error text, each
 * carrying markup, a `javascript:` URL and quotes. Nothing may run or become an element: the text is
 * shown as it is.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../http/client.js';
import { tempDir } from '../support/temp-dir.js';
import { openChromium } from './chromium.js';
import { openConsole, storedSubscriber, type Closers } from './fixture.js';

/** Markup that sets `window.__xss` if it is ever parsed as HTML (or its URL followed). */
function hostile(n: number): string {
  return `<img src=x onerror="window.__xss=${n}"><script>window.__xss=${n}</script>'"><a href="javascript:window.__xss=${n}">x</a>`;
}

interface PageFacts {
  readonly xss: unknown;
  readonly violations: number;
  readonly images: number;
  readonly scripts: number;
  readonly links: string[];
  readonly text: string;
}

/** What the page shows and whether anything hostile became live. */
function facts(page: Page): Promise<PageFacts> {
  return page.evaluate(() => {
    const w = globalThis as unknown as {
      __xss?: unknown;
      __violations: number;
      document: {
        querySelectorAll(
          s: string,
        ): { length: number } & Iterable<{ getAttribute(n: string): string | null }>;
        body: { innerText: string };
      };
    };
    return {
      xss: w.__xss,
      violations: w.__violations,
      images: w.document.querySelectorAll('img').length,
      scripts: w.document.querySelectorAll('script').length,
      links: [...w.document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? ''),
      text: w.document.body.innerText,
    };
  });
}

/** Resolves once the page's text holds `text` (the page forbids evaluating strings). */
async function shown(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (wanted) =>
      (
        globalThis as unknown as { document: { body: { innerText: string } } }
      ).document.body.innerText.includes(wanted),
    text,
  );
}

describe('hostile data in the console', () => {
  const opened: Closers = [];
  let url: string;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const dir = tempDir('keyop-console-hostile-');
    const { messenger, endpoint } = await openConsole(
      { storage: { dataDir: path.join(dir, 'data') }, http: { console: true } },
      opened,
    );
    url = endpoint.url;
    await messenger.publish('orders', hostile(1), { note: hostile(2) }, { correlationId: hostile(3) });
    storedSubscriber(path.join(dir, 'data'), 'orders', `sub${hostile(4).replace(/\//g, '')}`);
    const stream = `${url}/v1/stream/jobs`;
    const contentType = `text/plain; x="${hostile(5).replace(/"/g, "'")}"`;
    expect((await send(stream, { method: 'PUT', headers: { 'content-type': contentType } })).status).toBe(
      201,
    );
    const producer = { 'producer-id': hostile(6), 'producer-epoch': '0', 'producer-seq': '0' };
    const appended = await send(stream, {
      method: 'POST',
      headers: { 'content-type': contentType, ...producer },
      body: 'x',
    });
    expect(appended.status, appended.body).toBe(200);
    browser = await openChromium();
    page = await browser.newPage();
    await page.addInitScript(() => {
      const w = globalThis as unknown as {
        __violations: number;
        addEventListener(type: string, listener: () => void): void;
      };
      w.__violations = 0;
      w.addEventListener('securitypolicyviolation', () => {
        w.__violations += 1;
      });
    });
  });
  afterAll(async () => {
    await browser.close();
    for (const c of opened.splice(0).reverse()) await c.close();
  });

  function expectInert(seen: PageFacts): void {
    expect(seen.xss).toBeUndefined();
    expect(seen.violations).toBe(0);
    expect(seen.images).toBe(0);
    // app.js only.
    expect(seen.scripts).toBe(1);
    expect(seen.links.filter((href) => !href.startsWith('#'))).toEqual([]);
  }

  it('shows a message type, payload, correlation id and subscriber id as text', async () => {
    await page.goto(`${url}/ui/#/channel/orders`);
    await page.waitForSelector('#browse-load');
    await page.click('#browse-load');
    await page.waitForSelector('#messages li');
    await shown(page, 'sub<img');
    const seen = await facts(page);
    expectInert(seen);
    expect(seen.text).toContain(hostile(1));
    expect(seen.text).toContain(hostile(3));
    expect(seen.text).toContain(JSON.stringify(hostile(2)).slice(1, -1));
  });

  it("shows a stream's content type and producer id as text", async () => {
    await page.goto(`${url}/ui/#/streams`);
    await shown(page, 'window.__xss=6');
    const seen = await facts(page);
    expectInert(seen);
    expect(seen.text).toContain(hostile(6));
    expect(seen.text).toContain(hostile(5).replace(/"/g, "'"));
  });

  it('shows an error text naming a hostile channel as text', async () => {
    await page.goto(`${url}/ui/#/channel/${encodeURIComponent(hostile(7))}`);
    await shown(page, 'window.__xss=7');
    expectInert(await facts(page));
  });
});
