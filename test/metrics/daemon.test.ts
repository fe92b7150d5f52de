// `GET /metrics` of a spawned daemon (`keyop-messenger run`), parsed as Prometheus text.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverDaemons, spawnDaemon } from '../cli/daemon-process.js';
import { assertCliBuilt } from '../cli/process.js';
import { send } from '../http/client.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { tempDir } from '../support/temp-dir.js';

beforeAll(() => {
  assertCliBuilt();
});
afterEach(() => {
  killLeftoverDaemons();
});

describe('keyop-messenger run: /metrics', () => {
  it('serves the channels written over HTTP and the process metrics', async () => {
    const dir = fs.realpathSync(tempDir('keyop-run-metrics-'));
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      `http:\n  listen_addr: 127.0.0.1:0\nstorage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n  sync_policy: always\n`,
    );
    const daemon = spawnDaemon(['run', '-c', config], dir);
    const httpUrl = (await daemon.started).httpUrl as string;
    const json = { 'content-type': 'application/json' };
    expect((await send(`${httpUrl}/v1/stream/jobs`, { method: 'PUT', headers: json })).status).toBe(201);
    for (let i = 0; i < 2; i += 1) {
      const post = await send(`${httpUrl}/v1/stream/jobs`, {
        method: 'POST',
        headers: json,
        body: `{"i":${i}}`,
      });
      expect(post.status).toBe(204);
    }
    const answer = await send(`${httpUrl}/metrics`);
    expect(answer.status).toBe(200);
    const families = parsePrometheusText(answer.body);
    expect(sampleValue(families, 'keyop_channel_appended_records_total', { channel: 'jobs' })).toBe(2);
    expect(sampleValue(families, 'keyop_channel_bytes', { channel: 'jobs' })).toBeGreaterThan(0);
    expect(
      sampleValue(families, 'keyop_channel_fsync_seconds_count', { channel: 'jobs' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(families, 'keyop_http_requests_total', { route: 'stream', method: 'POST', status: '204' }),
    ).toBe(2);
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
