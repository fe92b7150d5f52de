/**
 * `--compare old.json new.json`: the change of every metric both runs measured, as a text table and a
 * chart of new ÷ old medians with the runs' min–max, so a change in a pull request reads at a glance.
 * A change counts as such only when the two runs' min–max ranges do not overlap; otherwise it is
 * within the noise of the runs.
 */
import type { Metric } from '../measure.js';
import type { BenchResult } from './result.js';
import { escapeXml, formatNumber, ratioChart, type RatioRow } from './svg.js';

/** Whether a larger figure is better, by unit. */
export function higherIsBetter(unit: string): boolean | undefined {
  if (unit.endsWith('/s')) return true;
  if (['µs', 'ms', 'MB', '%'].includes(unit)) return false;
  return undefined;
}

/** The change of one metric between two runs. */
export interface MetricChange {
  metric: string;
  old: Metric;
  new: Metric;
  /** New median ÷ old median. */
  ratio: number;
  verdict: 'better' | 'worse' | 'changed' | 'within noise';
}

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
    const better = higherIsBetter(now.unit);
    const verdict = !separate
      ? 'within noise'
      : better === undefined
        ? 'changed'
        : up === better
          ? 'better'
          : 'worse';
    changes.push({ metric, old: was, new: now, ratio: now.median / was.median, verdict });
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
    percent(c.ratio),
    c.verdict,
  ]);
  const header = ['metric', 'old median [min–max]', 'new median [min–max]', 'unit', 'change', 'verdict'];
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
    sublabel: `${cell(c.old)} → ${cell(c.new)} ${c.new.unit}`,
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
    'whiskers: new min ÷ old max to new max ÷ old min; grey: the ranges overlap (within noise)',
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
