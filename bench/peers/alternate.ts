/**
 * Side-by-side measurement: the systems of one scenario (ours, the peers, the floor) measured in the
 * same repeat, one after another, the order reversed every other repeat, so that no system always
 * meets the disk or the other tenants of the machine at a different moment than the others.
 */
import {
  ackedRateValues,
  repeat,
  sideBySideName,
  withAckUnits,
  type AckedRate,
  type Metrics,
  type Percentiles,
} from '../measure.js';
import type { PeerName } from './binaries.js';

/** One system's measurement in a scenario: its metrics' units and one run that yields their values. */
export interface Contender {
  /** The peer whose server it needs (left out when that peer is not installed); none for ours. */
  peer?: PeerName;
  units: Record<string, string>;
  run: () => Promise<Record<string, number>>;
}

/** Where a contender's figures go: a peer's under its own name, ours and the floors' side by side. */
type Owner = PeerName | 'ours';

function named(owner: Owner, metric: string): string {
  return owner === 'ours' ? sideBySideName(metric) : metric;
}

function contender(owner: Owner, contents: Omit<Contender, 'peer'>): Contender {
  return owner === 'ours' ? contents : { peer: owner, ...contents };
}

/** A rate (msgs/s) with its send → ack latency percentiles (`<metric>.ack_p50_us`, `.ack_p99_us`). */
export function ackedRate(owner: Owner, metric: string, run: () => Promise<AckedRate>): Contender {
  const name = named(owner, metric);
  return contender(owner, {
    units: withAckUnits({ [name]: 'msgs/s' }),
    run: async () => ackedRateValues(name, await run()),
  });
}

/** A plain rate (msgs/s). */
export function rate(owner: Owner, metric: string, run: () => Promise<number>): Contender {
  const name = named(owner, metric);
  return contender(owner, { units: { [name]: 'msgs/s' }, run: async () => ({ [name]: await run() }) });
}

/** A latency's percentiles as `<prefix>.p50_us` and `<prefix>.p99_us` (µs); `p50Only` drops the p99. */
export function latency(
  owner: Owner,
  prefix: string,
  run: () => Promise<Percentiles>,
  p50Only = false,
): Contender {
  const p50 = named(owner, `${prefix}.p50_us`);
  const p99 = named(owner, `${prefix}.p99_us`);
  return contender(owner, {
    units: p50Only ? { [p50]: 'µs' } : { [p50]: 'µs', [p99]: 'µs' },
    run: async () => {
      const p = await run();
      return p50Only ? { [p50]: p.p50 } : { [p50]: p.p50, [p99]: p.p99 };
    },
  });
}

/**
 * Runs the contenders of one scenario `runs` times: in the listed order in even repeats, reversed in
 * odd ones (list them ours, peer, ours, peer …). Medians and min–max over the repeats, as {@link repeat}.
 */
export function alternate(runs: number, contenders: readonly Contender[]): Promise<Metrics> {
  const units: Record<string, string> = {};
  for (const c of contenders) Object.assign(units, c.units);
  let round = 0;
  return repeat(runs, units, async () => {
    const order = round++ % 2 === 0 ? contenders : [...contenders].reverse();
    const values: Record<string, number> = {};
    for (const c of order) Object.assign(values, await c.run());
    return values;
  });
}
