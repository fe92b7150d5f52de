/** The JSON a bench run writes, and reading it back with errors that name the file and the field. */
import fs from 'node:fs';
import type { Metric, Metrics } from '../measure.js';

/** The machine a run was made on. */
export interface MachineInfo {
  cpus: number;
  cpu_model: string;
  memory_gb: number;
  node: string;
  platform: string;
  date: string;
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
