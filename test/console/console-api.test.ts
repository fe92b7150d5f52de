/**
 * The web console's routes on an in-process HTTP endpoint with the daemon's admin host: its page
 * and assets, the overview, admin verbs behind `http.auth` (looking needs the metrics right, a
 * change the admin right), and no console unless `http.console` is on.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessengerConfigInput } from '../../src/index.js';
import { bearer, send } from '../http/client.js';
import { tempDir } from '../support/temp-dir.js';
import {
  consoleConfig,
  openConsole,
  storedSubscriber,
  tokenOf,
  VIEWER_AND_OPERATOR,
  type Closers,
} from './fixture.js';

const opened: Closers = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

const open = (config: MessengerConfigInput) => openConsole(config, opened);

function as(who: string | undefined): Record<string, string> {
  return who === undefined ? {} : bearer(tokenOf(who));
}

describe('web console routes', () => {
  it('serves the page and its assets with a strict content policy, and nothing outside ui/', async () => {
    const { endpoint } = await open({
      storage: { dataDir: path.join(tempDir('keyop-console-'), 'data') },
      http: { console: true },
    });
    const page = await send(`${endpoint.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    const script = await send(`${endpoint.url}/ui/shape.js`);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await send(`${endpoint.url}/ui`)).headers.location).toBe('/ui/');
    for (const name of ['%2e%2e%2fpackage.json', '.hidden.js', 'app.ts', 'nope.js', '%3Cscript%3E.html']) {
      const missing = await send(`${endpoint.url}/ui/${name}`);
      expect(missing.status).toBe(404);
      // Its text names what was asked: never a page.
      expect(missing.headers['x-content-type-options']).toBe('nosniff');
      expect(missing.headers['content-security-policy']).toContain("default-src 'none'");
    }
    expect((await send(`${endpoint.url}/ui/app.js`, { method: 'POST' })).status).toBe(405);
  });

  it('answers the overview and runs admin verbs, with the admin API coded errors', async () => {
    const dir = tempDir('keyop-console-');
    const { messenger, endpoint } = await open({
      name: 'console-test',
      storage: { dataDir: path.join(dir, 'data') },
      http: { console: true },
    });
    await messenger.publish('orders', 'Order', { n: 1 });
    const overview = JSON.parse((await send(`${endpoint.url}/ui/api/overview`)).body) as {
      name: string;
      disk: { freeBytes: number; totalBytes: number };
      stats: { channels: Record<string, { endOffset: number }> };
    };
    expect(overview.name).toBe('console-test');
    expect(overview.disk.freeBytes).toBeGreaterThan(0);
    expect(overview.disk.totalBytes).toBeGreaterThanOrEqual(overview.disk.freeBytes);
    expect(overview.stats.channels.orders?.endOffset).toBeGreaterThan(0);

    const post = (body: unknown) =>
      send(`${endpoint.url}/ui/api/admin`, { method: 'POST', body: JSON.stringify(body) });
    const cat = await post({ verb: 'cat', channel: 'orders', from: 'beginning', max: 10 });
    expect(cat.status).toBe(200);
    const { result } = JSON.parse(cat.body) as { result: { records: { line: string }[] } };
    expect(result.records.map((r) => (JSON.parse(r.line) as { payload: unknown }).payload)).toEqual([
      { n: 1 },
    ]);
    const bad = await post({ verb: 'cat', channel: 'orders', from: 'beginning' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      ok: false,
      code: 'ERR_INVALID_ARGUMENT',
      message: 'admin request: cat: field max is missing or invalid',
    });
    expect((await send(`${endpoint.url}/ui/api/admin`)).status).toBe(405);
    expect((await send(`${endpoint.url}/ui/api/nope`)).status).toBe(404);
  });

  it('lets readers look and only administrators act (http.auth)', async () => {
    const dir = tempDir('keyop-console-auth-');
    const { messenger, endpoint } = await open(
      consoleConfig(dir, [...VIEWER_AND_OPERATOR, { name: 'narrow', read: ['orders'] }]),
    );
    await messenger.publish('orders', 'Order', { n: 1 });
    // A subscriber known by its offset file only (not delivering in this process).
    storedSubscriber(path.join(dir, 'data'), 'orders', 'billing');
    const get = (api: string, who?: string) => send(`${endpoint.url}/ui/api/${api}`, { headers: as(who) });
    const reset = (who?: string) =>
      send(`${endpoint.url}/ui/api/admin`, {
        method: 'POST',
        headers: as(who),
        body: JSON.stringify({
          verb: 'offset-set',
          channel: 'orders',
          subscriber: 'billing',
          to: 'beginning',
        }),
      });

    expect((await get('overview')).status).toBe(401);
    expect((await get('overview', 'narrow')).status).toBe(403);
    expect((await get('overview', 'viewer')).status).toBe(200);
    expect(JSON.parse((await get('session', 'viewer')).body)).toEqual({ admin: false });
    expect(JSON.parse((await get('session', 'operator')).body)).toEqual({ admin: true });
    // The page itself holds no data: anyone may load it, then signs in.
    expect((await send(`${endpoint.url}/ui/`)).status).toBe(200);

    const refused = await reset('viewer');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('client "viewer" may not the control API');
    expect((await reset()).status).toBe(401);
    const done = await reset('operator');
    expect(JSON.parse(done.body)).toMatchObject({ ok: true, result: { id: 'billing', to: 0 } });
  });

  it('is not served unless http.console is on', async () => {
    const { endpoint } = await open({ storage: { dataDir: path.join(tempDir('keyop-console-'), 'data') } });
    expect((await send(`${endpoint.url}/ui/`)).status).toBe(404);
    expect((await send(`${endpoint.url}/ui/api/overview`)).status).toBe(404);
  });
});
