/** The JSON a bench run writes, and reading it back with errors that name the file and the field. */
import fs from 'node:fs';
import type { Metric, Metrics } from '../measure.js';

/** The load average (1, 5 and 15 minutes) around a run, read from the OS. */
export interface LoadInfo {
  start: number[];
  end: number[];
  /** The highest 1-minute load average of the samples taken every 5 s during the run. */
  max_1m: number;
}

/** The machine a run was made on. */
export interface MachineInfo {
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  node: string;
  platform: string;
  date: string;
  /** How busy the machine was (runs recorded before it was added have none). */
  load_avg?: LoadInfo;
  /** What the person running it said about the machine (`--note`), e.g. that it was shared. */
  note?: string;
}

/** A system of the comparison: its version and durability settings (see bench/peers). */
export interface SystemEntry {
  name: string;
  version: string;
  settings: string;
  missing?: string;
}

/** One run's output: `{ machine, metrics }`, and `systems` when peers were measured. */
export interface BenchResult {
  machine: MachineInfo;
  metrics: Metrics;
  systems?: Record<string, SystemEntry>;
}

function isMetric(value: unknown): value is Metric {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.median === 'number' &&
    typeof m.min === 'number' &&
    typeof m.max === 'number' &&
    typeof m.unit === 'string'
  );
}

/** Checks the shape of a parsed result; `source` names it in the error. */
export function parseResult(value: unknown, source: string): BenchResult {
  if (typeof value !== 'object' || value === null) throw new Error(`${source}: not a JSON object`);
  const { machine, metrics, systems } = value as Record<string, unknown>;
  if (typeof machine !== 'object' || machine === null) throw new Error(`${source}: no "machine" object`);
  if (typeof metrics !== 'object' || metrics === null) throw new Error(`${source}: no "metrics" object`);
  for (const [name, metric] of Object.entries(metrics)) {
    if (!isMetric(metric))
      throw new Error(`${source}: metrics.${name} is not { median, min, max (numbers), unit (string) }`);
  }
  if (systems !== undefined && (typeof systems !== 'object' || systems === null))
    throw new Error(`${source}: "systems" is not an object`);
  return value as BenchResult;
}

/** Reads and checks a result file. */
export function readResult(file: string): BenchResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  return parseResult(parsed, file);
}
