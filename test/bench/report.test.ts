import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareResults,
  comparisonChart,
  formatComparison,
  parseResult,
  readResult,
  scenarioViews,
  SCENARIOS,
  writeReport,
  type BenchResult,
} from '../../bench/report/index.js';
import { exited, requireBuild } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * A quick run of `--only storage,ephemeral,rpc,peers --note …`, recorded on the development VM (with
 * the send → ack latencies of every publish rate, the peers' delivery latencies and the load average;
 * ours and the floors twice: in their own groups, and as `peers.<metric>` alternating with the peers).
 */
const FIXTURE = path.join(import.meta.dirname, 'fixtures/recorded-quick-run.json');

function fixture(): BenchResult {
  return readResult(FIXTURE);
}

/**
 * The metric the report draws for an entry: ours and the floors' from the peers group (measured
 * alternating with the peers), the peers' under their own names.
 */
function drawn(e: { system: string }, metric: string): string {
  return e.system === 'ours' || e.system === 'floor' ? `peers.${metric}` : metric;
}

/** The labels under a bar chart's axis, left to right. */
function axisTicks(svg: string): string[] {
  return [...svg.matchAll(/fill="#6b7280" text-anchor="middle">([^<]+)<\/text>/g)].map((m) => m[1]!);
}

/** The `data-value` of every bar in an SVG, in order. */
function barValues(svg: string): number[] {
  return [...svg.matchAll(/class="bar" data-value="([^"]+)"/g)].map((m) => Number(m[1]));
}

describe('the report', () => {
  it('writes the JSON, the page and one chart per measured scenario, with the recorded numbers', () => {
    const result = fixture();
    const dir = tempDir();
    const written = writeReport(dir, result).map((f) => path.basename(f));
    expect(written).toContain('index.html');
    expect(written).toContain('summary.svg');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'bench.json'), 'utf8'))).toEqual(result);

    const svg = fs.readFileSync(path.join(dir, 'publish-fsync-c64.svg'), 'utf8');
    const scenario = SCENARIOS.find((s) => s.id === 'publish-fsync-c64')!;
    const expected = scenario.entries.map((e) => result.metrics[drawn(e, e.metric)]?.median);
    expect(expected.every((v) => v !== undefined)).toBe(true);
    expect(barValues(svg)).toEqual(expected);
    // NATS 2.9 and Mosquitto acknowledge before any fsync: hatched in a scenario of fsynced acks.
    expect(svg).toMatch(/fill="url\(#chart-publish-fsync-c64-hatch-\d\)"/);
    expect(svg.match(/url\(#chart-publish-fsync-c64-hatch/g)).toHaveLength(2);

    const latency = fs.readFileSync(path.join(dir, 'request-reply.svg'), 'utf8');
    expect(barValues(latency).slice(0, 2)).toEqual([
      result.metrics['peers.rpc.roundtrip.local.p50_us']!.median,
      result.metrics['peers.rpc.roundtrip.local.p99_us']!.median,
    ]);

    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    for (const id of [
      'chart-summary',
      'chart-publish-fsync-c1',
      'chart-publish-fsync-c1-ack',
      'chart-publish-periodic-c64-ack',
      'chart-catchup',
      'chart-deliver-latency',
    ])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain(result.machine.cpu_model);
    expect(html).toContain(result.machine.note!);
    expect(html).toContain(result.machine.load_avg!.max_1m.toFixed(2));
    expect(html).toContain(result.systems!.redis!.version);
    // Self-contained: no script, no link, no resource fetched from anywhere.
    expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=/);
    // Scenarios the run did not measure (the streams group) are left out rather than drawn empty.
    expect(written).not.toContain('streams-append-w1.svg');
  });

  it('draws the send → ack latency of every publish scenario, p50 and p99 per system, from the same runs', () => {
    const result = fixture();
    const dir = tempDir();
    const written = writeReport(dir, result).map((f) => path.basename(f));
    for (const id of [
      'publish-fsync-c1',
      'publish-fsync-c64',
      'publish-periodic-c1',
      'publish-periodic-c64',
    ]) {
      expect(written).toContain(`${id}-ack.svg`);
      const svg = fs.readFileSync(path.join(dir, `${id}-ack.svg`), 'utf8');
      const scenario = SCENARIOS.find((s) => s.id === id)!;
      // Ours, Redis, NATS, Mosquitto and the floor: a p50 and a p99 bar each, as recorded.
      const expected = scenario.entries.flatMap((e) => [
        result.metrics[drawn(e, `${e.metric}.ack_p50_us`)]?.median,
        result.metrics[drawn(e, `${e.metric}.ack_p99_us`)]?.median,
      ]);
      expect(
        expected.every((v) => v !== undefined && v > 0),
        id,
      ).toBe(true);
      expect(barValues(svg)).toEqual(expected);
      expect(svg).toContain('µs, log scale (lower is better');
      // Whole decades from the one below the smallest figure (whisker ends included) to the one above the largest.
      const ends = scenario.entries.flatMap((e) =>
        [`${e.metric}.ack_p50_us`, `${e.metric}.ack_p99_us`].flatMap((n) => [
          result.metrics[drawn(e, n)]!.min,
          result.metrics[drawn(e, n)]!.max,
        ]),
      );
      const decades = [];
      for (
        let k = Math.floor(Math.log10(Math.min(...ends)));
        k <= Math.ceil(Math.log10(Math.max(...ends)));
        k++
      )
        decades.push((10 ** k).toLocaleString('en-US'));
      expect(axisTicks(svg)).toEqual(decades);
    }
    // The JetStream durable consumer stands beside ours and Redis's consumer group.
    const deliver = fs.readFileSync(path.join(dir, 'deliver-latency.svg'), 'utf8');
    expect(deliver).toContain('NATS JetStream → durable consumer');
    expect(barValues(deliver)).toContain(result.metrics['peer.nats.js.deliver.latency.p50_us']!.median);
    expect(barValues(deliver)).toContain(result.metrics['peer.redis.deliver.latency.p99_us']!.median);

    // Our ack p50 against the best peer's, like for like (Redis `always` in the fsync scenario).
    const view = scenarioViews(result).find((v) => v.scenario.id === 'publish-fsync-c1')!;
    const embedded = view.ack!.ours.find((o) => o.view.entry.label.startsWith('keyop, embedded'))!;
    const m = result.metrics;
    expect(embedded.likeForLike?.peer.entry.system).toBe('redis');
    expect(embedded.likeForLike?.ratio).toBeCloseTo(
      m['peer.redis.xadd.always.c1.ack_p50_us']!.median /
        m['peers.storage.publish.always.c1.ack_p50_us']!.median,
    );
    const summary = fs.readFileSync(path.join(dir, 'summary.svg'), 'utf8');
    expect(summary).toContain('Ack latency: publish, fsync before the ack, 1 in flight');
  });

  it('computes our ratio to the best peer of the same durability and of any', () => {
    const result = fixture();
    const view = scenarioViews(result).find((v) => v.scenario.id === 'publish-fsync-c1')!;
    const embedded = view.ours.find((o) => o.view.entry.metric === 'storage.publish.always.c1')!;
    const m = result.metrics;
    expect(embedded.likeForLike?.peer.entry.system).toBe('redis');
    expect(embedded.likeForLike?.ratio).toBeCloseTo(
      m['peers.storage.publish.always.c1']!.median / m['peer.redis.xadd.always.c1']!.median,
    );
    const fastest = Math.max(
      m['peer.redis.xadd.always.c1']!.median,
      m['peer.nats.js.publish.c1']!.median,
      m['peer.mosquitto.qos1.publish.c1']!.median,
    );
    expect(embedded.anyPeer?.ratio).toBeCloseTo(m['peers.storage.publish.always.c1']!.median / fastest);
    expect(embedded.ofFloor).toBeCloseTo(
      m['peers.storage.publish.always.c1']!.median / m['peers.floor.fdatasync.c1']!.median,
    );

    const rr = scenarioViews(result).find((v) => v.scenario.id === 'request-reply')!;
    const local = rr.ours.find((o) => o.view.entry.metric === 'rpc.roundtrip.local.p50_us')!;
    // Latency: the peer's ÷ ours, so that above 1 still means ours is better.
    expect(local.likeForLike?.ratio).toBeCloseTo(
      m['peer.nats.request.p50_us']!.median / m['peers.rpc.roundtrip.local.p50_us']!.median,
    );
  });

  it('compares ours with the peers from the same alternating repeats when the peers group measured both', () => {
    const result = fixture();
    const m = result.metrics;
    // The fixture holds both figures, and they differ (measured at different moments).
    expect(m['storage.publish.always.c64']!.median).not.toBe(m['peers.storage.publish.always.c64']!.median);
    const fsync = scenarioViews(result).find((v) => v.scenario.id === 'publish-fsync-c64')!;
    const embedded = fsync.ours.find((o) => o.view.entry.metric === 'storage.publish.always.c64')!;
    expect(embedded.view.sideBySide).toBe(true);
    expect(embedded.view.value).toEqual(m['peers.storage.publish.always.c64']);
    expect(fsync.ack!.ours[0]!.view.p99).toEqual(m['peers.storage.publish.always.c64.ack_p99_us']);
    const page = (r: BenchResult): string => {
      const dir = tempDir();
      writeReport(dir, r);
      return fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    };
    expect(page(result)).toContain('measured in the same repeats as the peers, alternating with them');

    // Without the peers group's figures of ours, the owning group's are drawn, and the page says so.
    const alone: BenchResult = {
      ...result,
      metrics: Object.fromEntries(Object.entries(m).filter(([name]) => !name.startsWith('peers.'))),
    };
    const fallback = scenarioViews(alone).find((v) => v.scenario.id === 'publish-fsync-c64')!;
    expect(fallback.ours[0]!.view.sideBySide).toBe(false);
    expect(fallback.ours[0]!.view.value).toEqual(m['storage.publish.always.c64']);
    expect(page(alone)).toContain('Ours comes from its own group, run at another moment than the peers');
  });

  it('ranks a live-tail mode only against the same mode of the reference server', () => {
    const metric = (median: number) => ({ median, min: median, max: median, unit: 'ms' });
    const result: BenchResult = {
      machine: fixture().machine,
      metrics: {
        'streams.tail.longpoll.p50_ms': metric(0.8),
        'ref.tail.longpoll.p50_ms': metric(0.4),
        'streams.tail.sse.p50_ms': metric(0.5),
        'ref.tail.sse.p50_ms': metric(1),
      },
    };
    const view = scenarioViews(result).find((v) => v.scenario.id === 'streams-tail')!;
    const ratios = view.ours.map((o) => [
      o.view.entry.metric,
      o.likeForLike?.peer.entry.metric,
      o.likeForLike?.ratio,
    ]);
    expect(ratios).toEqual([
      ['streams.tail.longpoll.p50_ms', 'ref.tail.longpoll.p50_ms', 0.5],
      ['streams.tail.sse.p50_ms', 'ref.tail.sse.p50_ms', 2],
    ]);
  });

  it('refuses a result that is not one, naming the file and the field', () => {
    expect(() => parseResult({ machine: {}, metrics: { x: { median: 1 } } }, 'old.json')).toThrow(
      'old.json: metrics.x is not { median, min, max (numbers), unit (string) }',
    );
    expect(() => parseResult([], 'new.json')).toThrow('new.json: no "machine" object');
  });
});

describe('--compare', () => {
  it('reports each change with both runs’ medians and ranges, and judges it against the noise', () => {
    const before = fixture();
    const after = structuredClone(before);
    const scale = (name: string, factor: number): void => {
      const m = after.metrics[name]!;
      after.metrics[name] = { ...m, median: m.median * factor, min: m.min * factor, max: m.max * factor };
    };
    scale('peer.redis.catchup', 2); // throughput up: better
    scale('peer.nats.request.p50_us', 2); // latency up: worse
    scale('storage.publish.always.c64.ack_p99_us', 1 / 4); // ack latency down: better
    delete after.metrics['peer.mosquitto.catchup'];
    const result = compareResults(before, after);
    const byName = new Map(result.changes.map((c) => [c.metric, c]));
    expect(byName.get('peer.redis.catchup')?.verdict).toBe('better');
    expect(byName.get('peer.redis.catchup')?.ratio).toBeCloseTo(2);
    expect(byName.get('peer.nats.request.p50_us')?.verdict).toBe('worse');
    expect(byName.get('storage.publish.always.c64.ack_p99_us')).toMatchObject({
      better: 'lower',
      verdict: 'better',
    });
    expect(byName.get('peer.redis.catchup')?.better).toBe('higher');
    // Every unit the bench writes has its direction stated: none is left to guess.
    expect(result.changes.filter((c) => c.better === 'unknown')).toEqual([]);
    expect(byName.get('storage.publish.always.c1')?.verdict).toBe('within noise');
    expect(result.onlyOld).toEqual(['peer.mosquitto.catchup']);

    const text = formatComparison(result);
    const m = before.metrics['peer.redis.catchup']!;
    expect(text).toMatch(new RegExp(`peer\\.redis\\.catchup .*\\+100\\.0 %\\s+better`));
    expect(text).toMatch(
      /storage\.publish\.always\.c64\.ack_p99_us .*µs\s+lower is better\s+-75\.0 %\s+better/,
    );
    expect(text).toContain(Math.round(m.median * 2).toLocaleString('en-US'));
    expect(text).toContain('only in old: peer.mosquitto.catchup');

    const svg = comparisonChart(result.changes);
    expect(svg.match(/class="ratio"/g)).toHaveLength(result.changes.length);
    expect(svg).toContain('data-value="2"');
  });
});

describe('npm run bench -- --compare', () => {
  it('prints the table and writes the page and the chart to --report', async () => {
    requireBuild();
    const dir = tempDir();
    const after = structuredClone(fixture());
    const m = after.metrics['peer.redis.catchup']!;
    after.metrics['peer.redis.catchup'] = { ...m, median: m.median / 2, min: m.min / 2, max: m.max / 2 };
    const newFile = path.join(dir, 'new.json');
    fs.writeFileSync(newFile, JSON.stringify(after));
    const run = path.resolve(import.meta.dirname, '../../dist/bench/run.js');
    const child = spawn(process.execPath, [run, '--compare', FIXTURE, newFile, '--report', dir], {
      stdio: 'pipe',
    });
    child.stdin.end();
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    expect(await exited(child)).toBe(0);
    expect(stdout).toMatch(/peer\.redis\.catchup .*-50\.0 %\s+worse/);
    expect(fs.readFileSync(path.join(dir, 'compare.html'), 'utf8')).toContain('id="chart-compare"');
    expect(fs.readFileSync(path.join(dir, 'compare.svg'), 'utf8')).toContain('data-value="0.5"');
  });
});
