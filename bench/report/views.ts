/**
 * What the report shows, computed from a result: each scenario's entries with their figures, and for
 * each of our entries its ratio to the best peer of the same durability and to the best of any.
 */
import { sideBySideName, type Metric } from '../measure.js';
import type { BenchResult } from './result.js';
import { ackLatencyScenario, SCENARIOS, type Scenario, type ScenarioEntry } from './scenarios.js';

/** An entry with the figures the run measured for it (undefined: not measured). */
export interface EntryView {
  entry: ScenarioEntry;
  value: Metric | undefined;
  p99: Metric | undefined;
  /**
   * True when the figures are the `peers` group's `peers.<metric>`, measured in the same repeats as
   * the peers, alternating with them (read in preference to the owning group's `<metric>`).
   */
  sideBySide: boolean;
}

/** How one of our entries stands against a peer: >1 means ours is better (faster, or lower latency). */
export interface Advantage {
  peer: EntryView;
  /** From the medians. */
  ratio: number;
  /** The least and most favourable ratios the runs' min–max allow. */
  low: number;
  high: number;
}

/** One of our entries with its standing. */
export interface OursView {
  view: EntryView;
  /** Against the best peer whose ack means the same (undefined: no such peer measured). */
  likeForLike: Advantage | undefined;
  /** Against the best peer of any durability. */
  anyPeer: Advantage | undefined;
  /** Ours ÷ floor (throughput) or floor ÷ ours (latency) for the scenario's first floor, if any. */
  ofFloor: number | undefined;
}

/** A scenario with its figures. */
export interface ScenarioView {
  scenario: Scenario;
  entries: EntryView[];
  ours: OursView[];
  /** True when at least one entry was measured. */
  measured: boolean;
  /** The send → ack latencies of a throughput scenario's entries, when the run measured any. */
  ack?: ScenarioView;
}

const isPeer = (v: EntryView): boolean => v.entry.system !== 'ours' && v.entry.system !== 'floor';

function advantage(kind: Scenario['kind'], ours: Metric, peer: EntryView): Advantage {
  const p = peer.value!;
  if (kind === 'throughput') {
    return { peer, ratio: ours.median / p.median, low: ours.min / p.max, high: ours.max / p.min };
  }
  return { peer, ratio: p.median / ours.median, low: p.min / ours.max, high: p.max / ours.min };
}

function best(kind: Scenario['kind'], ours: Metric, peers: EntryView[]): Advantage | undefined {
  let found: Advantage | undefined;
  for (const peer of peers) {
    const a = advantage(kind, ours, peer);
    // The best peer is the one ours has the smallest advantage over.
    if (found === undefined || a.ratio < found.ratio) found = a;
  }
  return found;
}

function entryView(entry: ScenarioEntry, result: BenchResult): EntryView {
  const { metrics } = result;
  const sideBySide = metrics[sideBySideName(entry.metric)] !== undefined;
  const figure = (name: string | undefined): Metric | undefined =>
    name === undefined ? undefined : sideBySide ? metrics[sideBySideName(name)] : metrics[name];
  return { entry, value: figure(entry.metric), p99: figure(entry.p99), sideBySide };
}

function viewOf(scenario: Scenario, result: BenchResult): ScenarioView {
  const entries = scenario.entries.map((entry) => entryView(entry, result));
  const measuredPeers = entries.filter((v) => isPeer(v) && v.value !== undefined);
  const floor = entries.find((v) => v.entry.system === 'floor' && v.value !== undefined)?.value;
  const ours = entries
    .filter((v) => v.entry.system === 'ours' && v.value !== undefined)
    .map((view) => {
      const value = view.value!;
      const peers = measuredPeers.filter((p) => p.entry.mode === view.entry.mode);
      const same = peers.filter((p) => p.entry.durability === view.entry.durability);
      const ofFloor =
        floor === undefined
          ? undefined
          : scenario.kind === 'throughput'
            ? value.median / floor.median
            : floor.median / value.median;
      return {
        view,
        likeForLike: best(scenario.kind, value, same),
        anyPeer: best(scenario.kind, value, peers),
        ofFloor,
      };
    });
  return { scenario, entries, ours, measured: entries.some((v) => v.value !== undefined) };
}

/** The views of every scenario for `result` (with the ack latencies of the throughput ones). */
export function scenarioViews(result: BenchResult): ScenarioView[] {
  return SCENARIOS.map((scenario) => {
    const view = viewOf(scenario, result);
    if (scenario.ackLatency !== true) return view;
    const ack = viewOf(ackLatencyScenario(scenario), result);
    return ack.measured ? { ...view, ack } : view;
  });
}

/** Each view followed by its ack latency view, if any: every chart the report draws, in order. */
export function withAckViews(views: readonly ScenarioView[]): ScenarioView[] {
  return views.flatMap((v) => (v.ack === undefined ? [v] : [v, v.ack]));
}
