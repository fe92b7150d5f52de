/** The self-contained HTML page of a run: charts inline, no script, no external resource. */
import type { Metric } from '../measure.js';
import { scenarioChart, summaryChart } from './charts.js';
import type { BenchResult } from './result.js';
import { DURABILITY_LABEL } from './scenarios.js';
import { escapeXml, formatNumber } from './svg.js';
import { withAckViews, type Advantage, type ScenarioView } from './views.js';

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:900px;margin:2em auto;
padding:0 1em;color:#111827}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid
#e5e7eb;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top}td.n{text-align:right;
font-variant-numeric:tabular-nums}h2{margin-top:2em}p.note{color:#4b5563}svg{max-width:100%;height:auto}`;

/** A cell's text: median with min–max. */
export function spread(m: Metric | undefined): string {
  if (m === undefined) return 'not measured';
  const range = m.min === m.max ? '' : ` [${formatNumber(m.min)}–${formatNumber(m.max)}]`;
  return `${formatNumber(m.median)} ${m.unit}${range}`;
}

function row(cells: readonly string[], numeric: readonly boolean[] = []): string {
  return `<tr>${cells.map((c, i) => `<td${numeric[i] === true ? ' class="n"' : ''}>${escapeXml(c)}</td>`).join('')}</tr>`;
}

function head(cells: readonly string[]): string {
  return `<tr>${cells.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr>`;
}

function standing(a: Advantage | undefined): string {
  if (a === undefined) return '—';
  return `${formatNumber(a.ratio)}× (${formatNumber(a.low)}–${formatNumber(a.high)}) vs ${a.peer.entry.label}`;
}

function loadRows(m: BenchResult['machine']): string[][] {
  const load = m.load_avg;
  if (load === undefined) return [];
  const three = (l: readonly number[]): string => l.map((v) => v.toFixed(2)).join(' / ');
  return [
    ['load average (1 / 5 / 15 min) at the start', three(load.start)],
    ['load average at the end', three(load.end)],
    ['highest 1-minute load average seen during the run', load.max_1m.toFixed(2)],
  ];
}

function machineTable(result: BenchResult): string {
  const m = result.machine;
  return `<table>${[
    ['CPU', `${m.cpus} × ${m.cpu_model}`],
    ['memory', `${m.memory_gb} GB`],
    ['platform', m.platform],
    ['Node.js', m.node],
    ['run started', m.date],
    ...loadRows(m),
    ...(m.note === undefined ? [] : [['note', m.note]]),
  ]
    .map((r) => row(r))
    .join('')}</table>`;
}

function systemsTable(result: BenchResult): string {
  const systems = Object.entries(result.systems ?? {});
  if (systems.length === 0) return '<p>No peers were measured in this run (group <code>peers</code>).</p>';
  return `<table>${head(['system', 'version', 'settings (what an ack means)'])}${systems
    .map(([, s]) =>
      row([s.name, s.missing === undefined ? s.version : `not measured: ${s.missing}`, s.settings]),
    )
    .join('')}</table>`;
}

function summaryTable(views: readonly ScenarioView[]): string {
  const rows = withAckViews(views).flatMap((v) =>
    v.ours.map((o) =>
      row([
        v.scenario.title,
        o.view.entry.label,
        o.view.p99 === undefined
          ? spread(o.view.value)
          : `p50 ${spread(o.view.value)}; p99 ${spread(o.view.p99)}`,
        standing(o.likeForLike),
        standing(o.anyPeer),
        o.ofFloor === undefined ? '—' : `${formatNumber(o.ofFloor)}×`,
      ]),
    ),
  );
  return `<table>${head([
    'scenario',
    'ours',
    'median [min–max]',
    'vs best peer, same durability (>1: ours better)',
    'vs best peer, any durability',
    'of the floor',
  ])}${rows.join('')}</table>`;
}

/** A scenario's chart and its table. */
function chartAndTable(view: ScenarioView): string {
  const latency = view.scenario.kind === 'latency';
  const table = `<table>${head(['system', 'ack means', latency ? 'p50' : 'median [min–max]', ...(latency ? ['p99'] : [])])}${view.entries
    .map((e) =>
      row(
        [
          e.entry.label,
          DURABILITY_LABEL[e.entry.durability],
          spread(e.value),
          ...(latency ? [e.entry.p99 === undefined ? '—' : spread(e.p99)] : []),
        ],
        [false, false, true, true],
      ),
    )
    .join('')}</table>`;
  return `${scenarioChart(view)}${table}`;
}

/** Whether ours and the peers of a scenario were measured in the same repeats, alternating. */
function runOrder(view: ScenarioView): string {
  const measured = view.entries.filter((e) => e.value !== undefined);
  const ours = measured.filter((e) => e.entry.system === 'ours');
  // The streams group alternates with the Durable Streams reference server by itself.
  const brokers = measured.some((e) => ['redis', 'nats', 'mosquitto'].includes(e.entry.system));
  if (ours.length === 0 || !brokers) return '';
  return ours.every((e) => e.sideBySide)
    ? ' Ours and the floor were measured in the same repeats as the peers, alternating with them (group peers).'
    : ' Ours comes from its own group, run at another moment than the peers: include the group peers to measure them side by side.';
}

function scenarioSection(view: ScenarioView): string {
  const ack =
    view.ack === undefined
      ? ''
      : `<h3 id="${view.ack.scenario.id}">Send → ack latency</h3><p class="note">${escapeXml(
          view.ack.scenario.note,
        )}</p>${chartAndTable(view.ack)}`;
  return `<section id="${view.scenario.id}"><h2>${escapeXml(view.scenario.title)}</h2><p class="note">${escapeXml(
    view.scenario.note + runOrder(view),
  )}</p>${chartAndTable(view)}${ack}</section>`;
}

function allMetrics(result: BenchResult): string {
  return `<table>${head(['metric', 'median', 'min', 'max', 'unit'])}${Object.entries(result.metrics)
    .map(([name, m]) =>
      row(
        [name, formatNumber(m.median), formatNumber(m.min), formatNumber(m.max), m.unit],
        [false, true, true, true],
      ),
    )
    .join('')}</table>`;
}

/** The report page of `result`. */
export function reportPage(result: BenchResult, views: readonly ScenarioView[]): string {
  const measured = views.filter((v) => v.measured);
  const summary =
    summaryChart(measured) ?? '<p>No scenario has both our figure and a peer’s in this run.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>keyop-messenger benchmark, ${escapeXml(
    result.machine.date,
  )}</title><style>${STYLE}</style></head><body>
<h1>keyop-messenger benchmark</h1>
<p>Every figure is the median of the runs with their min–max. Peers run on the same machine, started by
the bench on 127.0.0.1 with a temporary data dir, with the same message size and concurrency. A bar is
hatched when that system’s acknowledgement means something else than ours in the scenario (not like
for like); ratios are given both against the best peer of the same durability and against the best of any.
Under each throughput scenario, the send → ack latency of the same runs: p50 and p99 per system, on a log axis.</p>
<h2>Machine</h2>${machineTable(result)}
<h2>Systems</h2>${systemsTable(result)}
<h2>Summary</h2>${summary}${summaryTable(measured)}
${measured.map(scenarioSection).join('\n')}
<h2>All metrics</h2>${allMetrics(result)}
</body></html>
`;
}
