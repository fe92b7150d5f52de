/**
 * Seeded config fuzz: hundreds of configs made by mutating config.example.yaml (as is, and with TLS
 * and federation switched on), each either loading with every written value in effect, or failing
 * with a ConfigError whose every issue is located and names the key at fault.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../internal/errors/index.js';
import { DEFAULT_CONFIG, loadConfigFile, type MessengerConfig } from '../../src/config/index.js';
import { CONFIG_SCHEMA, yamlKeyOf } from '../../src/config/schema.js';
import type { AnyFieldSpec, AnyFieldsSpec } from '../../src/config/schema.js';
import { seededRandom } from '../support/seeded-random.js';
import { schemaKeyPaths, testTls, writeConfig } from './helpers.js';

const SEED = 0x15c0f16;
const CONFIGS = 400;
const EXAMPLE = new URL('../../config.example.yaml', import.meta.url).pathname;

/** A located issue: `key.path[0].key (line L:C) …` (or `…):`) or `line L:C: …` for the file as a whole. */
const LOCATED_ISSUE = /^(?:[A-Za-z0-9_.[\]-]+ \(line \d+:\d+\):? |line \d+:\d+: )\S/;

/** A value to write and what it must do: `invalid` values must be refused naming their key. */
interface Candidate {
  readonly value: unknown;
  readonly invalid: boolean;
  /** The resolved value a successful load must hold (undefined: not compared). */
  readonly expected?: unknown;
}

const valid = (value: unknown, expected: unknown = value): Candidate => ({ value, invalid: false, expected });
const invalid = (value: unknown): Candidate => ({ value, invalid: true });
const WRONG_SHAPES = [invalid({ a: 1 }), invalid([1, 2])];

function candidatesFor(path: string, spec: AnyFieldSpec): Candidate[] {
  switch (spec.kind) {
    case 'string':
      return stringCandidates(path);
    case 'enum':
      return [...spec.values.map((value) => valid(value)), invalid('bogus'), invalid(true), ...WRONG_SHAPES];
    case 'bool':
      return [valid(true), valid(false), invalid('yes'), invalid(1), invalid('true'), ...WRONG_SHAPES];
    case 'int': {
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      return [
        valid(spec.min),
        valid(spec.min + 7),
        valid(max),
        invalid(spec.min - 1),
        invalid(-5),
        invalid(1.5),
        invalid('100'),
        invalid(Infinity),
        invalid(max + 1 > Number.MAX_SAFE_INTEGER ? 2 ** 60 : max + 1),
        ...WRONG_SHAPES,
      ];
    }
    case 'fraction':
      return [valid(0), valid(0.5), valid(1), invalid(-0.1), invalid(1.5), invalid('0.2'), invalid(NaN)];
    case 'duration':
      return [
        valid('90m', 5_400_000),
        valid('1h', 3_600_000),
        valid(0),
        valid('-1h', 0),
        invalid('7d'),
        invalid('soon'),
        invalid(3600),
        invalid(''),
        ...WRONG_SHAPES,
      ];
    case 'retention':
      return [
        valid('7d', 604_800_000),
        valid('1d12h', 129_600_000),
        valid('90m', 5_400_000),
        valid('forever', 0),
        valid(0),
        invalid('-1h'),
        invalid('soon'),
        invalid('7days'),
        invalid(3600),
        invalid(''),
        ...WRONG_SHAPES,
      ];
    case 'channels':
      return [
        valid(['alpha', 'b.c-1']),
        valid([]),
        valid(['x.dead-letter'], spec.publish ? undefined : ['x.dead-letter']),
        ...(spec.publish ? [invalid(['x.dead-letter'])] : []),
        invalid('alpha'),
        invalid(['bad name']),
        invalid(['']),
        invalid([['a']]),
        invalid({ a: 1 }),
      ];
    case 'strings':
      return [
        valid([]),
        ...[['a.b'], ['>'], ['https://app.example'], ['bad name!']].map((list) =>
          list.every((item) => spec.problem(item) === undefined) ? valid(list) : invalid(list),
        ),
        invalid('a.b'),
        invalid([true]),
        invalid({ a: 1 }),
      ];
    case 'sections':
      return [valid([]), invalid(['x']), invalid([{ unknown_key: 1 }]), invalid('list'), invalid({ a: 1 })];
    case 'section':
      return [invalid('x'), invalid([]), invalid(7)];
  }
}

function stringCandidates(path: string): Candidate[] {
  const wrongTypes = [invalid(true), ...WRONG_SHAPES];
  if (path === 'storage.data_dir') {
    return [valid('/tmp/keyop-fuzz-data'), invalid(''), invalid(`/tmp/${'d'.repeat(5000)}`), ...wrongTypes];
  }
  if (path.endsWith('listen_addr')) {
    return [valid('127.0.0.1:0'), valid('[::1]:7740'), invalid('no-port'), invalid('h:99999'), ...wrongTypes];
  }
  if (path === 'name') return [valid('fuzz-node'), valid(1234, '1234'), ...wrongTypes];
  // tls.cert, tls.key, tls.ca: files; a missing certificate cannot give the identity.
  if (path === 'tls.cert') return [invalid('/nonexistent/cert.pem'), ...wrongTypes];
  return [valid('/nonexistent/file.pem'), valid(''), ...wrongTypes];
}

/** One schema key: its YAML path, the matching property path in a resolved config, and its spec. */
interface Key {
  readonly path: string;
  readonly props: readonly string[];
  readonly spec: AnyFieldSpec;
}

function schemaKeys(): Key[] {
  return schemaKeyPaths(CONFIG_SCHEMA as AnyFieldsSpec).map((path) => {
    let fields = CONFIG_SCHEMA as AnyFieldsSpec;
    let spec: AnyFieldSpec | undefined;
    const props: string[] = [];
    for (const segment of path.split('.')) {
      const entry = Object.entries(fields).find(([name, s]) => yamlKeyOf(name, s) === segment);
      if (entry === undefined) throw new Error(`no schema key ${path}`);
      props.push(entry[0]);
      spec = entry[1];
      if (spec.kind === 'section') fields = spec.fields;
    }
    return { path, props, spec: spec! };
  });
}

function valueAt(config: MessengerConfig, props: readonly string[]): unknown {
  return props.reduce<unknown>((node, prop) => (node as Record<string, unknown>)[prop], config);
}

/** One change to a base config. */
type Mutation =
  | { kind: 'set'; key: Key; candidate: Candidate }
  | { kind: 'delete'; key: Key }
  | { kind: 'unknown'; path: string };

function describeMutation(m: Mutation): string {
  if (m.kind === 'set') return `set ${m.key.path} = ${JSON.stringify(m.candidate.value).slice(0, 80)}`;
  if (m.kind === 'delete') return `delete ${m.key.path}`;
  return `add unknown key ${m.path}`;
}

const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

function mutationPath(m: Mutation): string {
  return m.kind === 'unknown' ? m.path : m.key.path;
}

function pickMutations(random: () => number, keys: readonly Key[]): Mutation[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const wanted = 1 + Math.floor(random() * 3);
  const mutations: Mutation[] = [];
  while (mutations.length < wanted) {
    const key = pick(keys);
    const roll = random();
    const mutation: Mutation =
      roll < 0.08
        ? { kind: 'delete', key }
        : roll < 0.16
          ? { kind: 'unknown', path: `${key.path}x` }
          : { kind: 'set', key, candidate: pick(candidatesFor(key.path, key.spec)) };
    if (mutations.every((other) => !overlaps(mutationPath(other), mutationPath(mutation)))) {
      mutations.push(mutation);
    }
  }
  return mutations;
}

/**
 * Whether a value written at `path` (and differing from its default) takes effect in `config`:
 * the dependencies the daemon has, stated independently of the validator. Keys parked under a
 * section's `enabled: false` count as in effect (the switch is the explicit choice).
 */
function takesEffect(path: string, config: MessengerConfig): boolean {
  const tlsOn = config.tls.cert !== '';
  switch (path) {
    case 'tls.key':
    case 'tls.ca':
    case 'tls.min_version':
    case 'tls.expiry_warn_days':
      return tlsOn;
    case 'storage.sync_interval_ms':
      return config.storage.syncPolicy === 'periodic' || config.storage.syncIntervalMs === 0;
    case 'hub.enabled':
      return !config.hub.enabled || tlsOn || config.federation.insecurePlaintext;
    case 'client.enabled':
      return (
        !config.client.enabled ||
        (config.client.hubs.length > 0 && (tlsOn || config.federation.insecurePlaintext))
      );
    case 'federation.insecure_plaintext':
      return !config.federation.insecurePlaintext || !tlsOn;
    default:
      return true;
  }
}

function defaultAt(props: readonly string[]): unknown {
  return props.reduce<unknown>(
    (node, prop) => (node as Record<string, unknown> | undefined)?.[prop],
    DEFAULT_CONFIG,
  );
}

interface Outcome {
  readonly loaded: number;
  readonly refused: number;
}

async function fuzz(base: string, random: () => number, count: number): Promise<Outcome> {
  const keys = schemaKeys();
  let loaded = 0;
  let refused = 0;
  for (let n = 0; n < count; n++) {
    const doc = parseDocument(base);
    const mutations = pickMutations(random, keys);
    for (const m of mutations) {
      const segments = mutationPath(m).split('.');
      if (m.kind === 'set') doc.setIn(segments, m.candidate.value);
      else if (m.kind === 'delete') doc.deleteIn(segments);
      else doc.setIn(segments, 1);
    }
    const text = doc.toString();
    const label = `case ${n}: ${mutations.map(describeMutation).join('; ')}\n${text}`;
    let config: MessengerConfig;
    try {
      config = (await loadConfigFile(await writeConfig(text), {})).config;
    } catch (err) {
      if (!(err instanceof ConfigError))
        expect.fail(`${label}\nthrew ${String(err)} instead of a ConfigError`);
      refused++;
      for (const issue of err.issues) {
        if (!LOCATED_ISSUE.test(issue)) expect.fail(`${label}\nissue names no key and place: ${issue}`);
      }
      for (const m of mutations) {
        const mustBeNamed = m.kind === 'unknown' || (m.kind === 'set' && m.candidate.invalid);
        if (mustBeNamed && !err.issues.some((issue) => issue.startsWith(mutationPath(m)))) {
          expect.fail(`${label}\nno issue names ${mutationPath(m)}: ${err.issues.join(' | ')}`);
        }
      }
      continue;
    }
    loaded++;
    for (const m of mutations) {
      if (m.kind === 'unknown' || (m.kind === 'set' && m.candidate.invalid)) {
        expect.fail(`${label}\nloaded although ${describeMutation(m)} is invalid`);
      }
      if (m.kind !== 'set') continue;
      const actual = valueAt(config, m.key.props);
      const { value, expected } = m.candidate;
      if (expected !== undefined && JSON.stringify(actual) !== JSON.stringify(expected)) {
        expect.fail(
          `${label}\n${m.key.path} resolved to ${JSON.stringify(actual)}, not ${JSON.stringify(value)}`,
        );
      }
      const isDefault = JSON.stringify(actual) === JSON.stringify(defaultAt(m.key.props));
      if (!isDefault && !takesEffect(m.key.path, config)) {
        expect.fail(`${label}\n${describeMutation(m)} loaded but has no effect`);
      }
    }
  }
  return { loaded, refused };
}

describe('config fuzz (seeded)', () => {
  let example = '';
  let federated = '';

  beforeAll(async () => {
    example = await readFile(EXAMPLE, 'utf8');
    const tls = await testTls();
    const doc = parseDocument(example);
    doc.setIn(['tls', 'cert'], tls.cert);
    doc.setIn(['tls', 'key'], tls.key);
    doc.setIn(['tls', 'ca'], tls.ca);
    doc.setIn(['hub', 'enabled'], true);
    doc.setIn(['hub', 'listen_addr'], '127.0.0.1:0');
    doc.setIn(['hub', 'allowed_peers'], [{ name: 'edge-1', subscribe: ['metrics'], publish: ['alerts'] }]);
    doc.setIn(['client', 'enabled'], true);
    doc.setIn(['client', 'hubs'], [{ addr: '127.0.0.1:7740', subscribe: ['alerts'], publish: ['metrics'] }]);
    federated = doc.toString();
    expect((await loadConfigFile(await writeConfig(federated), {})).config.name).toBe('node-a');
  });

  it(`mutates config.example.yaml ${CONFIGS} times: each loads with its values in effect or is refused naming the key`, async () => {
    const outcome = await fuzz(example, seededRandom(SEED), CONFIGS);
    expect(outcome.loaded).toBeGreaterThan(CONFIGS / 20);
    expect(outcome.refused).toBeGreaterThan(CONFIGS / 20);
  });

  it(`mutates a TLS and federation config ${CONFIGS} times, with the same rules`, async () => {
    const outcome = await fuzz(federated, seededRandom(SEED + 1), CONFIGS);
    expect(outcome.loaded).toBeGreaterThan(CONFIGS / 20);
    expect(outcome.refused).toBeGreaterThan(CONFIGS / 20);
  });
});
