/**
 * Group `soak` (only with `--only soak`; not part of the default run): memory under steady load. A hub
 * daemon (`keyop-messenger run`, mutual TLS, HTTPS) and a federated client in its own process; the
 * client publishes 200 messages a second to the hub, this process appends 20 a second over HTTP and
 * keeps 50 SSE readers and 10 long-poll readers at the tail of the same stream. RSS of both
 * processes is sampled every 5 s; the figure is the slope of a least-squares line through the samples
 * of the last half. `SOAK_MINUTES` sets the length (default 20: the hub's dedup set fills in its first
 * ~9 minutes at this rate, DESIGN.md §12.1; a shorter run proves the setup only).
 */
import fs from 'node:fs';
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMbOf, spawnReadyDaemon, stopChild } from './daemon-footprint.js';
import { startClientChild } from './federation.js';
import { benchDir, cleanup, repeat, type GroupOptions, type Metrics } from './measure.js';
import { writeBenchPki } from './pki.js';

const PUBLISH_PER_S = 200;
const HTTP_APPENDS_PER_S = 20;
const SSE_READERS = 50;
const LONG_POLLS = 10;
const SAMPLE_MS = 5_000;
const STREAM = '/v1/stream/soak';
const JSON_TYPE = 'application/json';

/** Slope in MB/min of the least-squares line through `(minute, MB)` samples. */
export function slopePerMinute(samples: readonly (readonly [number, number])[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((s, [x]) => s + x, 0) / n;
  const my = samples.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of samples) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** One HTTPS request; resolves with the status and headers once the body is read (and dropped). */
function request(
  agent: https.Agent,
  base: string,
  method: string,
  target: string,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${base}${target}`, { method, agent, headers: { 'content-type': JSON_TYPE } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A reader following the stream by long-poll until `stopped()`. */
async function longPoll(agent: https.Agent, base: string, stopped: () => boolean): Promise<void> {
  let offset = 'now';
  while (!stopped()) {
    const reply = await request(agent, base, 'GET', `${STREAM}?offset=${offset}&live=long-poll`);
    const next = reply.headers['stream-next-offset'];
    if (typeof next === 'string') offset = encodeURIComponent(next);
  }
}

/** An SSE reader at the tail; returns the request, to destroy at the end. */
function sseReader(agent: https.Agent, base: string): ClientRequest {
  const req = https.get(`${base}${STREAM}?offset=now&live=sse`, { agent }, (res) => res.resume());
  req.on('error', () => undefined);
  return req;
}

/** Runs `tick` `perSecond` times a second (in tenths) until `stopped()`. */
async function paced(perSecond: number, stopped: () => boolean, tick: () => Promise<unknown>): Promise<void> {
  const perTenth = perSecond / 10;
  while (!stopped()) {
    const started = performance.now();
    await Promise.all(Array.from({ length: perTenth }, tick));
    await sleep(Math.max(0, 100 - (performance.now() - started)));
  }
}

/** One soak of `minutes`; RSS slopes of the last half and the final RSS of hub and client. */
async function soakOnce(minutes: number): Promise<Record<string, number>> {
  const pki = await writeBenchPki(['hub1', 'client1']);
  const dir = benchDir('soak');
  const dirs: string[] = [];
  const hubPair = pki.pairs.get('hub1')!;
  const agent = new https.Agent({ ca: fs.readFileSync(pki.ca), keepAlive: true, maxSockets: Infinity });
  const hubYaml = `hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0\ntls:\n  cert: ${hubPair.certFile}\n  key: ${hubPair.keyFile}\n  ca: ${pki.ca}\n`;
  const hub = await spawnReadyDaemon(dir, hubYaml, agent);
  let stop = false;
  const stopped = (): boolean => stop;
  const sse: ClientRequest[] = [];
  try {
    const created = await request(agent, hub.httpUrl, 'PUT', STREAM);
    if (created.status !== 201) throw new Error(`PUT ${STREAM}: ${created.status}`);
    const client = await startClientChild(
      pki,
      { name: 'client1', hubs: [{ addr: hub.hubAddr!, publish: ['soak'] }] },
      dirs,
    );
    try {
      if ((await client.ask(`publish-at soak ${PUBLISH_PER_S}`)) !== 'ok')
        throw new Error('publish-at failed');
      for (let i = 0; i < SSE_READERS; i++) sse.push(sseReader(agent, hub.httpUrl));
      let seq = 0;
      const load = [
        paced(HTTP_APPENDS_PER_S, stopped, async () => {
          const reply = await request(agent, hub.httpUrl, 'POST', STREAM, JSON.stringify([{ seq: seq++ }]));
          if (reply.status !== 204 && reply.status !== 200)
            throw new Error(`POST ${STREAM}: ${reply.status}`);
        }),
        ...Array.from({ length: LONG_POLLS }, () => longPoll(agent, hub.httpUrl, stopped)),
      ];
      const hubSamples: [number, number][] = [];
      const clientSamples: [number, number][] = [];
      const start = performance.now();
      const endMs = minutes * 60_000;
      while (performance.now() - start < endMs) {
        await sleep(SAMPLE_MS);
        const minute = (performance.now() - start) / 60_000;
        hubSamples.push([minute, rssMbOf(hub.child.pid!)]);
        clientSamples.push([minute, rssMbOf(client.pid)]);
        process.stderr.write(
          `soak ${minute.toFixed(1)} min: hub ${hubSamples.at(-1)![1].toFixed(1)} MB, client ${clientSamples.at(-1)![1].toFixed(1)} MB\n`,
        );
      }
      stop = true;
      for (const req of sse) req.destroy();
      await Promise.race([Promise.all(load), sleep(35_000)]);
      const lastHalf = (samples: [number, number][]): [number, number][] =>
        samples.filter(([minute]) => minute >= minutes / 2);
      return {
        'footprint.soak.rss_slope_mb_per_min': slopePerMinute(lastHalf(hubSamples)),
        'footprint.soak.client_rss_slope_mb_per_min': slopePerMinute(lastHalf(clientSamples)),
        'footprint.soak.hub_rss_mb': hubSamples.at(-1)?.[1] ?? 0,
        'footprint.soak.client_rss_mb': clientSamples.at(-1)?.[1] ?? 0,
      };
    } finally {
      await client.stop();
    }
  } finally {
    stop = true;
    for (const req of sse) req.destroy();
    agent.destroy();
    await stopChild(hub.child);
    for (const d of [dir, pki.dir, ...dirs]) cleanup(d);
  }
}

/** Runs the soak group (one soak; `--quick` makes it one minute). */
export async function runSoakBench({ quick }: GroupOptions): Promise<Metrics> {
  const minutes = quick ? 1 : Number(process.env.SOAK_MINUTES ?? 20);
  return repeat(
    1,
    {
      'footprint.soak.rss_slope_mb_per_min': 'MB/min',
      'footprint.soak.client_rss_slope_mb_per_min': 'MB/min',
      'footprint.soak.hub_rss_mb': 'MB',
      'footprint.soak.client_rss_mb': 'MB',
    },
    () => soakOnce(minutes),
  );
}
