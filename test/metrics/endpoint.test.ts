/**
 * `GET /metrics` of an in-process HTTP endpoint, parsed as Prometheus text: channels, subscribers,
 * fsync latency, HTTP routes, process metrics, the channel cap, and who may scrape.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Messenger, startHttpEndpoint, type MessengerConfigInput } from '../../src/index.js';
import { bearer, send, tokenFileLine } from '../http/client.js';
import { MemoryLogger } from '../support/memory-logger.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { tempDir } from '../support/temp-dir.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of opened.splice(0).reverse()) await c.close();
});

async function open(config: MessengerConfigInput, logger?: MemoryLogger) {
  const messenger = await Messenger.open(config, logger === undefined ? {} : { logger });
  opened.push(messenger);
  const endpoint = await startHttpEndpoint(messenger, { listenAddr: '127.0.0.1:0' });
  opened.push(endpoint);
  return { messenger, endpoint };
}

describe('GET /metrics', () => {
  it('exposes channels, subscribers, fsync latency, HTTP routes and process metrics', async () => {
    const dir = tempDir('keyop-metrics-');
    const { messenger, endpoint } = await open({
      storage: { dataDir: path.join(dir, 'data'), syncPolicy: 'always' },
    });
    let failOnce = true;
    await messenger.subscribe(
      'orders',
      'billing',
      () => {
        if (failOnce) {
          failOnce = false;
          throw new Error('first attempt fails');
        }
      },
      { from: 'beginning', retryBackoffBaseMs: 1, retryBackoffMaxMs: 1 },
    );
    for (let i = 0; i < 3; i += 1) await messenger.publish('orders', 'order', { i });
    const json = { 'content-type': 'application/json' };
    expect((await send(`${endpoint.url}/v1/stream/events`, { method: 'PUT', headers: json })).status).toBe(
      201,
    );
    const appended = await send(`${endpoint.url}/v1/stream/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    expect(appended.status).toBeLessThan(300);
    await vi.waitFor(() => {
      expect(messenger.stats().channels.orders?.subscribers.billing).toMatchObject({ delivered: 3 });
    }, 5000);

    const answer = await send(`${endpoint.url}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/plain; version=0.0.4');
    const families = parsePrometheusText(answer.body);
    const stats = messenger.stats().channels.orders!;
    expect(sampleValue(families, 'keyop_channel_bytes', { channel: 'orders' })).toBe(stats.bytes);
    expect(sampleValue(families, 'keyop_channel_segments', { channel: 'orders' })).toBe(stats.segments);
    expect(sampleValue(families, 'keyop_channel_appended_records_total', { channel: 'orders' })).toBe(3);
    expect(sampleValue(families, 'keyop_channel_appended_records_total', { channel: 'events' })).toBe(1);
    expect(families.get('keyop_channel_appended_records_total')?.type).toBe('counter');
    expect(
      sampleValue(families, 'keyop_channel_fsync_seconds_count', { channel: 'orders' }),
    ).toBeGreaterThanOrEqual(3);
    expect(families.get('keyop_channel_fsync_seconds')?.type).toBe('histogram');
    const billing = { channel: 'orders', subscriber: 'billing' };
    expect(sampleValue(families, 'keyop_subscriber_delivered_total', billing)).toBe(3);
    expect(sampleValue(families, 'keyop_subscriber_retries_total', billing)).toBe(1);
    expect(sampleValue(families, 'keyop_subscriber_lag_bytes', billing)).toBe(0);
    expect(sampleValue(families, 'keyop_subscriber_offset', billing)).toBe(stats.endOffset);
    expect(sampleValue(families, 'keyop_subscriber_dead_lettered_total', billing)).toBe(0);
    expect(
      sampleValue(families, 'keyop_http_requests_total', {
        route: 'stream',
        method: 'POST',
        status: String(appended.status),
      }),
    ).toBe(1);
    expect(families.get('process_cpu_seconds_total')?.samples.length).toBe(1);
    expect(families.get('nodejs_heap_size_used_bytes')?.samples.length).toBe(1);

    // The scrape itself is counted once it has finished.
    const again = parsePrometheusText((await send(`${endpoint.url}/metrics`)).body);
    expect(
      sampleValue(again, 'keyop_http_requests_total', { route: 'metrics', method: 'GET', status: '200' }),
    ).toBe(1);
  });

  it('gives the first metrics.max_channels channels their own label and sums the rest under _other, logged once', async () => {
    const dir = tempDir('keyop-metrics-cap-');
    const logger = new MemoryLogger();
    const { messenger, endpoint } = await open(
      { storage: { dataDir: path.join(dir, 'data') }, metrics: { maxChannels: 2 } },
      logger,
    );
    for (const channel of ['a', 'b', 'c', 'd']) await messenger.publish(channel, 'note', { channel });
    const first = parsePrometheusText((await send(`${endpoint.url}/metrics`)).body);
    expect(first.get('keyop_channel_bytes')?.samples.map((s) => s.labels.channel)).toEqual([
      'a',
      'b',
      '_other',
    ]);
    const bytes = messenger.stats().channels;
    expect(sampleValue(first, 'keyop_channel_bytes', { channel: '_other' })).toBe(
      bytes.c!.bytes + bytes.d!.bytes,
    );
    expect(sampleValue(first, 'keyop_channel_appended_records_total', { channel: '_other' })).toBe(2);
    expect(sampleValue(first, 'keyop_channels')).toBe(4);
    await messenger.publish('e', 'note', {});
    await send(`${endpoint.url}/metrics`);
    const warnings = logger.entries.filter((e) => e.fields.key === 'metrics.max_channels');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', fields: { max: 2, firstOver: 'c' } });
  });

  it('is not served with metrics.enabled false', async () => {
    const dir = tempDir('keyop-metrics-off-');
    const { endpoint } = await open({
      storage: { dataDir: path.join(dir, 'data') },
      metrics: { enabled: false },
    });
    expect((await send(`${endpoint.url}/metrics`)).status).toBe(404);
  });

  it('answers only clients that read every channel or administer the instance (http.auth)', async () => {
    const dir = tempDir('keyop-metrics-auth-');
    const tokens = path.join(dir, 'tokens');
    const names = ['scraper', 'ops', 'narrow'];
    fs.writeFileSync(tokens, `${names.map((n) => tokenFileLine(n, `${n}-0123456789abcdef`)).join('\n')}\n`, {
      mode: 0o600,
    });
    const { endpoint } = await open({
      storage: { dataDir: path.join(dir, 'data') },
      http: {
        auth: {
          tokensFile: tokens,
          clients: [
            { name: 'scraper', read: ['>'] },
            { name: 'ops', admin: ['>'] },
            { name: 'narrow', read: ['orders.>'], admin: ['orders.>'] },
          ],
        },
      },
    });
    const scrape = (who?: string) =>
      send(
        `${endpoint.url}/metrics`,
        who === undefined ? {} : { headers: bearer(`${who}-0123456789abcdef`) },
      );
    expect((await scrape()).status).toBe(401);
    expect((await scrape('scraper')).status).toBe(200);
    expect((await scrape('ops')).status).toBe(200);
    const narrow = await scrape('narrow');
    expect(narrow.status).toBe(403);
    expect(narrow.body).toContain('may not read the metrics');
  });
});
