/**
 * Hand-written SVG for the report (no library, no network): horizontal bar charts with min–max
 * whiskers, and charts of ratios on a logarithmic axis centred on 1×.
 */

/** One bar: a median with its min–max spread. */
export interface Bar {
  value: number;
  min: number;
  max: number;
  /** Text after the bar, e.g. "p99 1,234 µs". */
  text: string;
  /** Drawn lighter (the p99 of a latency pair). */
  light?: boolean;
}

/** One row of a bar chart: a label and one or two bars (none when not measured). */
export interface BarRow {
  label: string;
  sublabel: string;
  color: string;
  /** Drawn hatched: not like for like with the scenario's own durability. */
  hatched: boolean;
  bars: Bar[];
}

/** One row of a ratio chart: how many times better (>1) or worse (<1), drawn from the 1× line. */
export interface RatioRow {
  label: string;
  sublabel: string;
  ratio: number;
  /** The ratio's spread from the runs' min–max, when known. */
  low?: number;
  high?: number;
  text: string;
  color: string;
}

const WIDTH = 960;
const LABEL_X = 8;
const CHART_X = 330;
const CHART_W = 360;
const TEXT_X = CHART_X + CHART_W + 8;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

/** Escapes text for SVG and HTML. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number as the report prints it: thousands separated, three significant digits below 100. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x}" y="${y}" ${FONT} ${attrs}>${escapeXml(content)}</text>`;
}

function svgOpen(id: string, height: number, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>` +
    text(LABEL_X, 20, title, 'font-size="15" font-weight="600" fill="#111827"')
  );
}

/** Where a value lands on a chart's axis, and the axis's ticks. */
interface Axis {
  x: (value: number) => number;
  ticks: number[];
}

/** A linear axis from 0 with about five ticks of 1, 2 or 5 × 10^k. */
function linearAxis(values: readonly number[]): Axis {
  const top = Math.max(...values, 1e-9);
  const step = niceStep(top, 5);
  const axisMax = Math.ceil(top / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= axisMax + step / 2; v += step) ticks.push(v);
  return { x: (v) => CHART_X + (Math.max(0, v) / axisMax) * CHART_W, ticks };
}

/**
 * A logarithmic axis over whole decades around the values (latencies from a few µs to tens of ms
 * share one chart); bars start at its left end.
 */
function logAxis(values: readonly number[]): Axis {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) positive.push(1);
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...positive))));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) ticks.push(10 ** k);
  return {
    x: (v) => CHART_X + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * CHART_W,
    ticks,
  };
}

/**
 * A horizontal bar chart on a linear axis from 0, or on a log axis (`scale: 'log'`, for latencies);
 * `id` must be unique in the page (it prefixes the hatch pattern's id).
 */
export function barChart(
  id: string,
  title: string,
  unit: string,
  rows: readonly BarRow[],
  scale: 'linear' | 'log' = 'linear',
): string {
  const top = 36;
  const barH = 12;
  const heights = rows.map((r) => 12 + Math.max(1, r.bars.length) * (barH + 4) + 8);
  const height = top + heights.reduce((a, b) => a + b, 0) + 34;
  const all = rows.flatMap((r) => r.bars.flatMap((b) => [b.min, b.value, b.max]));
  const axis = scale === 'log' ? logAxis(all) : linearAxis(all);
  const x = axis.x;
  const parts = [svgOpen(id, height, title)];
  const hatchColors = [...new Set(rows.filter((r) => r.hatched).map((r) => r.color))];
  const hatchId = (color: string): string => `${id}-hatch-${hatchColors.indexOf(color)}`;
  parts.push(
    `<defs>${hatchColors
      .map(
        (color) =>
          `<pattern id="${hatchId(color)}" width="6" height="6" patternUnits="userSpaceOnUse" ` +
          `patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>` +
          `<rect width="3" height="6" fill="${color}"/></pattern>`,
      )
      .join('')}</defs>`,
  );
  const axisBottom = height - 30;
  for (const v of axis.ticks) {
    parts.push(
      `<line x1="${x(v)}" y1="${top - 4}" x2="${x(v)}" y2="${axisBottom}" stroke="#e5e7eb"/>`,
      text(x(v), axisBottom + 14, formatNumber(v), 'font-size="10" fill="#6b7280" text-anchor="middle"'),
    );
  }
  parts.push(
    text(CHART_X + CHART_W, axisBottom + 27, unit, 'font-size="10" fill="#6b7280" text-anchor="end"'),
  );
  let y = top;
  rows.forEach((row, i) => {
    parts.push(
      text(LABEL_X, y + 12, row.label, 'font-size="12" fill="#111827"'),
      text(LABEL_X, y + 25, row.sublabel, 'font-size="10" fill="#6b7280"'),
    );
    if (row.bars.length === 0) {
      parts.push(text(CHART_X + 4, y + 14, 'not measured in this run', 'font-size="11" fill="#9ca3af"'));
    }
    row.bars.forEach((bar, b) => {
      const by = y + 4 + b * (barH + 4);
      const fill = row.hatched ? `url(#${hatchId(row.color)})` : row.color;
      const opacity = bar.light === true ? ' fill-opacity="0.45"' : '';
      const mid = by + barH / 2;
      parts.push(
        `<rect class="bar" data-value="${bar.value}" x="${CHART_X}" y="${by}" width="${Math.max(1, x(bar.value) - CHART_X)}" ` +
          `height="${barH}" fill="${fill}" stroke="${row.color}"${opacity}/>`,
        `<line x1="${x(bar.min)}" y1="${mid}" x2="${x(bar.max)}" y2="${mid}" stroke="#111827"/>`,
        `<line x1="${x(bar.min)}" y1="${mid - 4}" x2="${x(bar.min)}" y2="${mid + 4}" stroke="#111827"/>`,
        `<line x1="${x(bar.max)}" y1="${mid - 4}" x2="${x(bar.max)}" y2="${mid + 4}" stroke="#111827"/>`,
        text(TEXT_X, by + barH - 2, bar.text, 'font-size="11" fill="#111827"'),
      );
    });
    y += heights[i] ?? 0;
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A chart of ratios on a log2 axis centred on 1× (right of the line: better). */
export function ratioChart(id: string, title: string, rows: readonly RatioRow[], caption: string): string {
  const top = 36;
  const rowH = 34;
  const height = top + rows.length * rowH + 40;
  const extent = Math.max(
    2,
    ...rows
      .flatMap((r) => [r.ratio, r.low ?? r.ratio, r.high ?? r.ratio])
      .filter((v) => Number.isFinite(v) && v > 0)
      .map((v) => Math.max(v, 1 / v)),
  );
  // At most 64× either way; beyond that a bar ends at the edge (its text gives the figure).
  const span = Math.min(6, Math.ceil(Math.log2(extent)));
  const mid = CHART_X + CHART_W / 2;
  const x = (ratio: number): number =>
    mid + (Math.log2(Math.min(Math.max(ratio, 2 ** -span), 2 ** span)) / span) * (CHART_W / 2);
  const parts = [svgOpen(id, height, title)];
  const axisBottom = height - 36;
  for (let k = -span; k <= span; k++) {
    const label = k >= 0 ? `${2 ** k}×` : `1/${2 ** -k}`;
    parts.push(
      `<line x1="${x(2 ** k)}" y1="${top - 4}" x2="${x(2 ** k)}" y2="${axisBottom}" stroke="${k === 0 ? '#111827' : '#e5e7eb'}"/>`,
      text(x(2 ** k), axisBottom + 14, label, 'font-size="10" fill="#6b7280" text-anchor="middle"'),
    );
  }
  parts.push(text(CHART_X, axisBottom + 28, caption, 'font-size="10" fill="#6b7280"'));
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    const end = x(row.ratio);
    parts.push(
      text(LABEL_X, y + 12, row.label, 'font-size="12" fill="#111827"'),
      text(LABEL_X, y + 25, row.sublabel, 'font-size="10" fill="#6b7280"'),
      `<rect class="ratio" data-value="${row.ratio}" x="${Math.min(mid, end)}" y="${y + 6}" ` +
        `width="${Math.abs(end - mid)}" height="14" fill="${row.color}"/>`,
    );
    if (row.low !== undefined && row.high !== undefined) {
      parts.push(
        `<line x1="${x(row.low)}" y1="${y + 13}" x2="${x(row.high)}" y2="${y + 13}" stroke="#111827"/>`,
      );
    }
    parts.push(text(TEXT_X, y + 17, row.text, 'font-size="11" fill="#111827"'));
  });
  parts.push('</svg>');
  return parts.join('');
}
