/**
 * The report of a bench run (`--report <dir>`): the JSON, a self-contained HTML page and each chart as
 * an SVG file; and the comparison of two runs (`--compare old.json new.json`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { scenarioChart, summaryChart } from './charts.js';
import { reportPage } from './page.js';
import type { BenchResult } from './result.js';
import { scenarioViews, withAckViews } from './views.js';

export {
  compareResults,
  comparisonChart,
  comparisonPage,
  formatComparison,
  type MetricChange,
} from './compare.js';
export {
  parseResult,
  readResult,
  type BenchResult,
  type LoadInfo,
  type MachineInfo,
  type SystemEntry,
} from './result.js';
export { ackLatencyScenario, SCENARIOS, type Scenario, type ScenarioEntry } from './scenarios.js';
export { scenarioViews, withAckViews, type ScenarioView } from './views.js';

/**
 * Writes `bench.json`, `index.html` and `<scenario>.svg` (and `summary.svg`, and `<scenario>-ack.svg` for
 * the send → ack latencies of a throughput scenario) for every scenario the run measured into `dir`
 * (created if needed); returns the paths written.
 */
export function writeReport(dir: string, result: BenchResult): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, content: string): void => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    written.push(file);
  };
  const views = scenarioViews(result);
  write('bench.json', `${JSON.stringify(result, null, 2)}\n`);
  write('index.html', reportPage(result, views));
  const summary = summaryChart(views.filter((v) => v.measured));
  if (summary !== undefined) write('summary.svg', `${summary}\n`);
  for (const view of withAckViews(views))
    if (view.measured) write(`${view.scenario.id}.svg`, `${scenarioChart(view)}\n`);
  return written;
}
