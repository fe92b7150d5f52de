/**
 * Cross-site request forgery, in a real browser: a hostile page on another origin makes Chromium
 * send changes to an anonymous loopback endpoint (a plain-text POST needs no preflight, and CORS only
 * hides the answer). The streams and the console's admin API must refuse them; same-origin pages
 * and clients that are not browsers (no `Origin`) are served as before. Nor may it frame the console.
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../src/index.js';
import { openChromium } from '../console/chromium.js';
import { openConsole, type Closers } from '../console/fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { send } from './client.js';

/** A page that fires the given no-cors POSTs; `window.settled` resolves once all have. */
function hostilePage(posts: { url: string; body: string }[]): string {
  const calls = posts
    .map(
      ({ url, body }) =>
        `fetch(${JSON.stringify(url)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })`,
    )
    .join(',\n');
  return `<!doctype html><title>hostile</title><script>
window.settled = Promise.allSettled([${calls}]);
</script>`;
}

/** Serves `html` at `/` on 127.0.0.1; resolves with its origin and what closes it. */
async function serveHostile(html: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // `localhost`: another origin than the endpoint's `127.0.0.1`.
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // The browser keeps its connection alive.
        server.closeAllConnections();
      }),
  };
}

describe('changes asked by a page of another origin', () => {
  const opened: Closers = [];
  let messenger: Messenger;
  let url: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    ({
      messenger,
      endpoint: { url },
    } = await openConsole(
      { storage: { dataDir: path.join(tempDir('keyop-http-csrf-'), 'data') }, http: { console: true } },
      opened,
    ));
    expect(
      (await send(`${url}/v1/stream/target`, { method: 'PUT', headers: { 'content-type': 'text/plain' } }))
        .status,
    ).toBe(201);
    await messenger.publish('orders', 'Order', { n: 1 });
    browser = await openChromium();
  });
  afterAll(async () => {
    await browser.close();
    for (const c of opened.splice(0).reverse()) await c.close();
  });

  it('are refused with 403: no append to a stream, no admin verb from the console API', async () => {
    const hostile = await serveHostile(() =>
      hostilePage([
        { url: `${url}/v1/stream/target`, body: 'forged' },
        { url: `${url}/ui/api/admin`, body: JSON.stringify({ verb: 'delete', channel: 'orders' }) },
      ]),
    );
    try {
      const page = await browser.newPage();
      const statuses: number[] = [];
      page.on('response', (response) => {
        if (response.url().startsWith(url)) statuses.push(response.status());
      });
      await page.goto(`${hostile.origin}/`);
      await page.evaluate(() => (globalThis as unknown as { settled: Promise<unknown> }).settled);
      await page.close();
      expect(statuses).toEqual([403, 403]);
    } finally {
      await hostile.close();
    }
    expect((await send(`${url}/v1/stream/target`)).body).toBe('');
    expect(messenger.stats().channels['orders']?.endOffset).toBeGreaterThan(0);
    const cat = await send(`${url}/ui/api/admin`, {
      method: 'POST',
      body: JSON.stringify({ verb: 'cat', channel: 'orders', from: 'beginning', max: 10 }),
    });
    expect((JSON.parse(cat.body) as { result: { records: unknown[] } }).result.records).toHaveLength(1);
  });

  it("serves a stream's content inert: an HTML or SVG stream runs no script in the console's origin", async () => {
    const markup =
      '<svg xmlns="http://www.w3.org/2000/svg"><script>document.title = "ran"</script></svg>' +
      '<img src=x onerror="document.title = \'ran\'"><script>document.title = "ran"</script>';
    const page = await browser.newPage();
    try {
      for (const type of ['text/html', 'image/svg+xml']) {
        const stream = `${url}/v1/stream/page-${type.replace(/\W/g, '-')}`;
        expect((await send(stream, { method: 'PUT', headers: { 'content-type': type } })).status).toBe(201);
        const appended = await send(stream, {
          method: 'POST',
          headers: { 'content-type': type },
          body: markup,
        });
        expect(appended.status).toBe(204);
        const opened = await page.goto(`${stream}?offset=-1`);
        expect(opened?.headers()['content-type']).toBe(type);
        expect(await page.title(), type).not.toBe('ran');
      }
    } finally {
      await page.close();
    }
  });

  it('cannot be framed by a page of another origin', async () => {
    const hostile = await serveHostile(() => `<!doctype html><iframe src="${url}/ui/"></iframe>`);
    try {
      const page = await browser.newPage();
      const blocked = page.waitForEvent('console', (message) => message.text().includes('frame-ancestors'));
      await page.goto(`${hostile.origin}/`);
      await blocked;
      const frames = page.frames().map((frame) => frame.url());
      await page.close();
      expect(frames).toHaveLength(2);
      expect(frames.filter((frame) => frame.startsWith(url))).toEqual([]);
    } finally {
      await hostile.close();
    }
  });

  it('refuses a sandboxed page (`Origin: null`) and a page of another port of the same host', async () => {
    for (const origin of ['null', url.replace(/:\d+$/, ':1')]) {
      const append = await send(`${url}/v1/stream/target`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin },
        body: 'forged',
      });
      expect(append.status, origin).toBe(403);
    }
  });

  it("serves the same changes from the endpoint's own origin and without Origin", async () => {
    // Its own page, also as https: behind a proxy that ends TLS.
    for (const origin of [url, url.replace(/^http:/, 'https:')]) {
      const own = await send(`${url}/v1/stream/target`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin },
        body: 'a',
      });
      expect(own.status, origin).toBe(204);
    }
    const plain = await send(`${url}/v1/stream/target`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'b',
    });
    expect(plain.status).toBe(204);
    const admin = await send(`${url}/ui/api/admin`, {
      method: 'POST',
      headers: { origin: url },
      body: JSON.stringify({ verb: 'channels' }),
    });
    expect(admin.status).toBe(200);
    expect((await send(`${url}/v1/stream/target`)).body).toBe('aab');
  });
});
