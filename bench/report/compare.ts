/**
 * `--compare old.json new.json`: the change of every metric both runs measured, as a text table and a
 * chart of new ÷ old medians with the runs' min–max, so a change in a pull request reads at a glance.
 * A change counts as such only when the two runs' min–max ranges do not overlap; otherwise it is
 * within the noise of the runs. Whether it is better or worse is read from the metric's unit
 * ({@link BETTER_BY_UNIT}: rates higher, latencies lower), and every row says which.
 */
import type { Metric } from '../measure.js';
import type { BenchResult } from './result.js';
import { escapeXml, formatNumber, ratioChart, type RatioRow } from './svg.js';

/** Which way a metric improves: a larger figure (`higher`), a smaller one (`lower`), or not known. */
export type Better = 'higher' | 'lower' | 'unknown';

/**
 * Which way each unit the bench writes improves: rates up; latencies, sizes, CPU shares and growth
 * down. A unit not listed that ends in `/s` is a rate; any other is `unknown`, and a change of it is
 * reported as "changed", never as better or worse.
 */
export const BETTER_BY_UNIT: Readonly<Record<string, Better>> = {
  'msgs/s': 'higher',
  'ops/s': 'higher',
  'appends/s': 'higher',
  'entries/s': 'higher',
  'items/s': 'higher',
  'MB/s': 'higher',
  µs: 'lower',
  ms: 'lower',
  MB: 'lower',
  '%': 'lower',
  'MB/min': 'lower',
};

/** Which way a metric of `unit` improves. */
export function betterDirection(unit: string): Better {
  return BETTER_BY_UNIT[unit] ?? (unit.endsWith('/s') ? 'higher' : 'unknown');
}

/** The change of one metric between two runs. */
export interface MetricChange {
  metric: string;
  old: Metric;
  new: Metric;
  /** New median ÷ old median. */
  ratio: number;
  /** Which way the metric improves (from its unit). */
  better: Better;
  verdict: 'better' | 'worse' | 'changed' | 'within noise';
}

/** The column text of a direction. */
const BETTER_TEXT: Record<Better, string> = {
  higher: 'higher is better',
  lower: 'lower is better',
  unknown: 'no direction',
};

/** Every metric both results measured, in the new result's order; plus the names only one measured. */
export function compareResults(
  before: BenchResult,
  after: BenchResult,
): { changes: MetricChange[]; onlyOld: string[]; onlyNew: string[] } {
  const changes: MetricChange[] = [];
  for (const [metric, now] of Object.entries(after.metrics)) {
    const was = before.metrics[metric];
    if (was === undefined) continue;
    const separate = now.min > was.max || now.max < was.min;
    const up = now.median > was.median;
    const better = betterDirection(now.unit);
    const verdict = !separate
      ? 'within noise'
      : better === 'unknown'
        ? 'changed'
        : up === (better === 'higher')
          ? 'better'
          : 'worse';
    changes.push({ metric, old: was, new: now, ratio: now.median / was.median, better, verdict });
  }
  return {
    changes,
    onlyOld: Object.keys(before.metrics).filter((m) => after.metrics[m] === undefined),
    onlyNew: Object.keys(after.metrics).filter((m) => before.metrics[m] === undefined),
  };
}

function percent(ratio: number): string {
  const p = (ratio - 1) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)} %`;
}

function cell(m: Metric): string {
  return `${formatNumber(m.median)} [${formatNumber(m.min)}–${formatNumber(m.max)}]`;
}

/** The comparison as a plain-text table. */
export function formatComparison(result: ReturnType<typeof compareResults>): string {
  const rows = result.changes.map((c) => [
    c.metric,
    cell(c.old),
    cell(c.new),
    c.new.unit,
    BETTER_TEXT[c.better],
    percent(c.ratio),
    c.verdict,
  ]);
  const header = [
    'metric',
    'old median [min–max]',
    'new median [min–max]',
    'unit',
    'direction',
    'change',
    'verdict',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 1 && i <= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (result.onlyOld.length > 0) out.push(`only in old: ${result.onlyOld.join(', ')}`);
  if (result.onlyNew.length > 0) out.push(`only in new: ${result.onlyNew.join(', ')}`);
  return `${out.join('\n')}\n`;
}

const VERDICT_COLOR: Record<MetricChange['verdict'], string> = {
  better: '#15803d',
  worse: '#b91c1c',
  changed: '#2563eb',
  'within noise': '#9ca3af',
};

/** The comparison chart: new ÷ old median per metric, whiskers from the runs' min–max. */
export function comparisonChart(changes: readonly MetricChange[]): string {
  const rows: RatioRow[] = changes.map((c) => ({
    label: c.metric,
    sublabel: `${cell(c.old)} → ${cell(c.new)} ${c.new.unit} (${BETTER_TEXT[c.better]})`,
    ratio: c.ratio,
    low: c.new.min / c.old.max,
    high: c.new.max / c.old.min,
    text: `${percent(c.ratio)} (${c.verdict})`,
    color: VERDICT_COLOR[c.verdict],
  }));
  return ratioChart(
    'chart-compare',
    'Change per metric: new median ÷ old median',
    rows,
    'right of 1×: grew (better for rates, worse for latencies); green better, red worse, grey: noise',
  );
}

/** A self-contained page with the chart and the table. */
export function comparisonPage(
  oldName: string,
  newName: string,
  result: ReturnType<typeof compareResults>,
): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>benchmark comparison</title>
<style>body{font-family:system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}svg{max-width:100%;height:auto}</style>
</head><body><h1>Benchmark comparison</h1><p>old: ${escapeXml(oldName)}<br>new: ${escapeXml(newName)}</p>
${comparisonChart(result.changes)}<pre>${escapeXml(formatComparison(result))}</pre></body></html>
`;
}
