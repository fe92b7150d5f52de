/** The report's charts: one per scenario, and the summary of our standing against the best peers. */
import type { Metric } from '../measure.js';
import { DURABILITY_LABEL, type SystemId } from './scenarios.js';
import { barChart, formatNumber, ratioChart, type Bar, type BarRow, type RatioRow } from './svg.js';
import { withAckViews, type Advantage, type EntryView, type ScenarioView } from './views.js';

/** The colour of each system's bars. */
export const SYSTEM_COLOR: Record<SystemId, string> = {
  ours: '#0f766e',
  floor: '#9ca3af',
  redis: '#dc2626',
  nats: '#2563eb',
  mosquitto: '#7c3aed',
  'durable-streams-ref': '#d97706',
};

/** Short names of the peers for the summary's texts. */
const SHORT_NAME: Record<SystemId, string> = {
  ours: 'keyop',
  floor: 'the floor',
  redis: 'Redis',
  nats: 'NATS',
  mosquitto: 'Mosquitto',
  'durable-streams-ref': 'the reference',
};

/** The unit of a scenario's figures (from its first measured entry). */
export function scenarioUnit(view: ScenarioView): string {
  return view.entries.find((e) => e.value !== undefined)?.value?.unit ?? '';
}

function bar(metric: Metric, prefix: string, light = false): Bar {
  const spread =
    metric.min === metric.max ? '' : ` (${formatNumber(metric.min)}–${formatNumber(metric.max)})`;
  return {
    value: metric.median,
    min: metric.min,
    max: metric.max,
    text: `${prefix}${formatNumber(metric.median)} ${metric.unit}${spread}`,
    light,
  };
}

function rowOf(view: ScenarioView, e: EntryView, ownDurability: Set<string>): BarRow {
  const latency = view.scenario.kind === 'latency';
  const bars: Bar[] = [];
  if (e.value !== undefined) bars.push(bar(e.value, latency ? 'p50 ' : ''));
  if (e.p99 !== undefined) bars.push(bar(e.p99, 'p99 ', true));
  const unlike = e.entry.system !== 'ours' && !ownDurability.has(e.entry.durability);
  return {
    label: e.entry.label,
    sublabel: `${DURABILITY_LABEL[e.entry.durability]}${unlike ? ' · unlike ours' : ''}`,
    color: SYSTEM_COLOR[e.entry.system],
    hatched: unlike,
    bars,
  };
}

/** The bar chart of one scenario (hatched: a peer or floor whose ack means something else than ours). */
export function scenarioChart(view: ScenarioView): string {
  const own = new Set<string>(
    view.scenario.entries.filter((e) => e.system === 'ours').map((e) => e.durability),
  );
  const unit = scenarioUnit(view);
  const latency = view.scenario.kind === 'latency';
  return barChart(
    `chart-${view.scenario.id}`,
    view.scenario.title,
    latency
      ? `${unit}, log scale (lower is better; whiskers: min–max of the runs’ percentiles)`
      : `${unit} (higher is better; whiskers: min–max of the runs)`,
    view.entries.map((e) => rowOf(view, e, own)),
    latency ? 'log' : 'linear',
  );
}

function ratioRow(view: ScenarioView, label: string, a: Advantage, likeForLike: boolean): RatioRow {
  const better = a.ratio >= 1;
  const times = better ? a.ratio : 1 / a.ratio;
  return {
    label,
    sublabel: view.scenario.title,
    ratio: a.ratio,
    low: a.low,
    high: a.high,
    text: `${formatNumber(times)}× ${better ? 'better' : 'worse'} than ${SHORT_NAME[a.peer.entry.system]}${likeForLike ? '' : ' (unlike ack)'}`,
    color: better ? '#15803d' : '#b91c1c',
  };
}

/**
 * Our standing per scenario (and per scenario's ack latency p50) against the best like-for-like peer
 * (else the best of any, said so).
 */
export function summaryChart(views: readonly ScenarioView[]): string | undefined {
  const rows: RatioRow[] = [];
  for (const view of withAckViews(views)) {
    for (const ours of view.ours) {
      const a = ours.likeForLike ?? ours.anyPeer;
      if (a !== undefined)
        rows.push(ratioRow(view, ours.view.entry.label, a, ours.likeForLike !== undefined));
    }
  }
  if (rows.length === 0) return undefined;
  return ratioChart(
    'chart-summary',
    'keyop-messenger against the best peer, per scenario',
    rows,
    'right of 1×: ours better (ours ÷ peer for throughput, peer ÷ ours for latency); whiskers: min–max of the runs',
  );
}
