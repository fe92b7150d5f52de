/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample must
 * belong to a family declared by `# TYPE`, names and labels must be well formed, values numbers.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its type, help and samples. */
export interface Family {
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
const SUFFIXES: Record<Family['type'], readonly string[]> = {
  counter: ['_total', ''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

/** Parses `text`; throws naming the line of the first problem. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1} ${JSON.stringify(line)}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (kind === 'HELP') helps.set(name, rest);
      else {
        if (!(rest in SUFFIXES)) throw new Error(`${where}: unknown type`);
        if (families.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        families.set(name, { type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] });
      }
      return;
    }
    if (line.startsWith('#')) return;
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`${where}: sample of no declared family`);
    family.samples.push(sample);
  });
  return families;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
  if (match === null) throw new Error(`${where}: not a sample`);
  const [, name = '', body = '', raw = ''] = match;
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < body.length) {
    const label = LABEL.exec(body);
    if (label === null) throw new Error(`${where}: bad labels`);
    labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  // As Go's ParseFloat, which Prometheus uses: NaN and Inf in any case.
  const special: Record<string, number> = { nan: NaN, '+inf': Infinity, inf: Infinity, '-inf': -Infinity };
  const value = special[raw.toLowerCase()] ?? Number(raw);
  if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') throw new Error(`${where}: bad value`);
  return { name, labels, value };
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  for (const [name, family] of families) {
    if (SUFFIXES[family.type].some((suffix) => `${name}${suffix}` === sampleName)) return family;
  }
  return undefined;
}

/** The value of the one sample `name` with exactly `labels` (among its labels); throws when absent. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = familyOf(families, name);
  const found = family?.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found?.length !== 1) {
    throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found?.length ?? 0}`);
  }
  return found[0]!.value;
}
