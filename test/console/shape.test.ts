/** The console page's data shaping (ui/shape.js): rates, table rows, sorting, paging, charts, payloads. */
import { describe, expect, it } from 'vitest';
import {
  addSample,
  bytesText,
  channelRates,
  channelRows,
  chartPath,
  durationText,
  filterByCorrelation,
  messageOf,
  outcomeText,
  pageOf,
  ratesOf,
  retentionText,
  SAMPLES_KEPT,
  sortRows,
  totalsOf,
} from '../../ui/shape.js';

const subscriber = (lagBytes: number, delivered: number) => ({ lagBytes, delivered });

function overview(now: number, channels: Record<string, unknown>) {
  return { now, stats: { channels } };
}

describe('console data shaping', () => {
  it('turns overview totals into per-second rates, never negative after a restart', () => {
    const a = totalsOf(
      overview(0, { x: { endOffset: 10, messages: 5, subscribers: { s: subscriber(0, 4) } } }),
    );
    const b = totalsOf(
      overview(2000, { x: { endOffset: 30, messages: 9, subscribers: { s: subscriber(0, 8) } } }),
    );
    const c = totalsOf(overview(4000, { x: { endOffset: 0, messages: 0, subscribers: {} } }));
    expect(b).toEqual({ at: 2000, bytes: 30, messages: 9, delivered: 8 });
    expect(ratesOf([a, b, c])).toEqual([
      { at: 2000, published: 2, delivered: 2 },
      { at: 4000, published: 0, delivered: 0 },
    ]);
    let samples: ReturnType<typeof totalsOf>[] = [];
    for (let i = 0; i < SAMPLES_KEPT + 5; i += 1) samples = addSample(samples, { ...a, at: i });
    expect(samples).toHaveLength(SAMPLES_KEPT);
    expect(samples[0]?.at).toBe(5);
  });

  it('builds channel rows with records, retention, rate and the largest lag', () => {
    const stats = {
      orders: { bytes: 100, messages: 7, subscribers: { a: subscriber(40, 0), b: subscriber(90, 0) } },
      empty: { bytes: 0, messages: 0, subscribers: {} },
    };
    const infos = [
      { name: 'orders', records: 12, retention: { maxAgeMs: 3_600_000, maxFiles: 4, retained: false } },
    ];
    const rates = channelRates({ orders: { messages: 3 } }, stats, 2);
    expect(rates).toEqual({ orders: 2 });
    expect(channelRows(stats, infos, rates)).toEqual([
      {
        name: 'orders',
        bytes: 100,
        records: 12,
        rate: 2,
        retention: '1h 0m, 4 files',
        subscribers: 2,
        maxLag: 90,
      },
      {
        name: 'empty',
        bytes: 0,
        records: undefined,
        rate: 0,
        retention: undefined,
        subscribers: 0,
        maxLag: 0,
      },
    ]);
    expect(retentionText({ maxAgeMs: 0, maxFiles: 0, retained: false })).toBe('unlimited');
    expect(retentionText({ maxAgeMs: 5, maxFiles: 5, retained: true })).toBe('retained');
  });

  it('sorts by a column (unknown values last, the name breaking ties) and pages 1,000 channels', () => {
    const rows = [
      { name: 'b', records: 2 },
      { name: 'a', records: 2 },
      { name: 'c', records: undefined },
      { name: 'd', records: 9 },
    ];
    expect(sortRows(rows, 'records', false).map((r) => r.name)).toEqual(['d', 'a', 'b', 'c']);
    expect(sortRows(rows, 'records', true).map((r) => r.name)).toEqual(['a', 'b', 'd', 'c']);
    expect(sortRows(rows, 'name', false).map((r) => r.name)).toEqual(['d', 'c', 'b', 'a']);
    const many = Array.from({ length: 1000 }, (_, i) => i);
    expect(pageOf(many, 3, 50)).toMatchObject({ page: 3, pages: 20, rows: many.slice(150, 200) });
    expect(pageOf(many, 99, 50).page).toBe(19);
    expect(pageOf([], 2, 50)).toEqual({ rows: [], page: 0, pages: 1 });
  });

  it('draws chart paths with the largest value at the top', () => {
    expect(chartPath([0, 5, 10], 100, 50)).toBe('M0.0 50.0 L50.0 25.0 L100.0 0.0');
    expect(chartPath([0, 0], 100, 50)).toBe('M0.0 50.0 L100.0 50.0');
    expect(chartPath([], 100, 50)).toBe('');
  });

  it('pretty-prints payloads, keeps a line that is not JSON, and searches correlation ids', () => {
    const line = JSON.stringify({
      id: 'm1',
      ts: '2026-01-01T00:00:00Z',
      payload_type: 'Order',
      correlation_id: 'order-42',
      origin: 'hub-a',
      payload: { n: 1 },
    });
    const message = messageOf({ offset: 7, line });
    expect(message).toEqual({
      offset: 7,
      id: 'm1',
      ts: '2026-01-01T00:00:00Z',
      type: 'Order',
      correlationId: 'order-42',
      origin: 'hub-a',
      payload: '{\n  "n": 1\n}',
    });
    const broken = messageOf({ offset: 9, line: 'not json' });
    expect(broken.payload).toBe('not json');
    expect(filterByCorrelation([message, broken], 'der-4')).toEqual([message]);
    expect(filterByCorrelation([message, broken], ' ')).toHaveLength(2);
  });

  it('formats bytes and durations', () => {
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1536)).toBe('1.5 KiB');
    expect(bytesText(3 * 2 ** 30)).toBe('3.0 GiB');
    expect(durationText(59_000)).toBe('59s');
    expect(durationText(61_000)).toBe('1m 1s');
    expect(durationText(3 * 86_400_000 + 7_200_000)).toBe('3d 2h');
  });
});

describe('outcomeText', () => {
  it('reads an admin result as words, not JSON', () => {
    expect(outcomeText({ id: 'lagger', from: 0, to: 620 })).toBe('id lagger, from 0, to 620');
    expect(outcomeText({ replayed: 2, skipped: [3] })).toBe('replayed 2, skipped [3]');
    expect(outcomeText({})).toBe('done');
    expect(outcomeText(undefined)).toBe('done');
    expect(outcomeText(4)).toBe('4');
  });
});
