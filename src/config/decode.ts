/**
 * Walks a {@link SourceNode} tree along the schema: takes each written value (type-checked, range-
 * checked), fills every missing key from the defaults, and reports unknown keys (with a
 * suggestion), duplicate keys and wrong types. A value with a problem is replaced by its default so
 * later checks see a well-typed config; the problem itself is already recorded.
 */
import {
  channelNameProblem,
  channelPatternProblem,
  DEAD_LETTER_SUFFIX,
  isDeadLetterChannel,
} from '../../internal/naming/index.js';
import { parseGoDuration, parseRetention } from './duration.js';
import { childPath, indexPath } from './issues.js';
import type { ConfigIssues } from './issues.js';
import { yamlKeyOf } from './schema.js';
import type { AnyFieldSpec, AnyFieldsSpec, ChannelListSpec, IntSpec, StringListSpec } from './schema.js';
import type { SourceEntry, SourceNode } from './source.js';
import { closestMatch } from './suggest.js';

/** How keys are spelt in the input: snake_case (YAML file) or camelCase (config object). */
export type KeyStyle = 'yaml' | 'object';

/**
 * How keys are spelt in issue paths: snake_case for the daemon's config (file or object, so one key
 * reads the same everywhere) or camelCase for a config that only exists as an object.
 */
export type PathStyle = 'yaml' | 'camel';

type Values = Record<string, unknown>;

/**
 * Decodes `root` against `fields`, filling gaps from `defaults` (same shape, camelCase keys).
 * Issue paths are in YAML (snake_case) form unless `paths` is `camel`.
 */
export function decodeSection(
  fields: AnyFieldsSpec,
  defaults: Values,
  root: SourceNode,
  style: KeyStyle,
  issues: ConfigIssues,
  paths: PathStyle = 'yaml',
): Values {
  return new Decoder(style, issues, paths).section(fields, defaults, root, '');
}

class Decoder {
  constructor(
    private readonly style: KeyStyle,
    private readonly issues: ConfigIssues,
    private readonly paths: PathStyle,
  ) {}

  /** The spelling of key `name` in issue paths. */
  private pathKey(name: string, spec: AnyFieldSpec): string {
    return this.paths === 'camel' ? name : yamlKeyOf(name, spec);
  }

  section(fields: AnyFieldsSpec, defaults: Values, node: SourceNode, path: string): Values {
    if (node.kind === 'empty') return structuredClone(defaults);
    if (node.kind !== 'map') {
      if (path === '') {
        const message = `the configuration must be a mapping of keys, got ${describe(node)}`;
        this.issues.addGeneral(message, node.origin);
      } else {
        this.typeError(path, 'a mapping of keys', node);
      }
      return structuredClone(defaults);
    }
    const written = this.writtenEntries(fields, node.entries(), path);
    const values: Values = {};
    for (const [name, spec] of Object.entries(fields)) {
      const entry = written.get(name);
      const fieldPath = childPath(path, this.pathKey(name, spec));
      if (entry === undefined) {
        values[name] = structuredClone(defaults[name]);
        continue;
      }
      // A scalar is located at its value; a section, list or empty value at its key, so that a
      // problem about a missing child points at the section it belongs in.
      const recordAt = entry.value.kind === 'scalar' ? entry.value.origin : entry.keyOrigin;
      this.issues.record(fieldPath, recordAt);
      values[name] = this.field(spec, defaults[name], entry.value, fieldPath);
    }
    return values;
  }

  /** The entries of a mapping by camelCase key; unknown and repeated keys become issues. */
  private writtenEntries(
    fields: AnyFieldsSpec,
    entries: readonly SourceEntry[],
    path: string,
  ): Map<string, SourceEntry> {
    const nameByKey = new Map(
      Object.entries(fields).map(([name, spec]) => [
        this.style === 'yaml' ? yamlKeyOf(name, spec) : name,
        name,
      ]),
    );
    const written = new Map<string, SourceEntry>();
    for (const entry of entries) {
      const name = nameByKey.get(entry.key);
      const keyPath = childPath(path, entry.key);
      if (name === undefined) {
        const suggestion = closestMatch(entry.key, [...nameByKey.keys()]);
        const hint = suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
        this.issues.add(keyPath, ` is not a known key${hint}`, entry.keyOrigin);
        continue;
      }
      const first = written.get(name);
      if (first === undefined) {
        written.set(name, entry);
      } else {
        const firstAt =
          first.keyOrigin !== undefined && 'line' in first.keyOrigin
            ? ` (first at line ${first.keyOrigin.line})`
            : '';
        this.issues.add(keyPath, ` is a duplicate key${firstAt}`, entry.keyOrigin);
      }
    }
    return written;
  }

  private field(spec: AnyFieldSpec, fallback: unknown, node: SourceNode, path: string): unknown {
    if (node.kind === 'empty') return structuredClone(fallback);
    switch (spec.kind) {
      case 'string':
        return this.text(node, path) ?? fallback;
      case 'enum':
        return this.choice(spec.values, node, path) ?? fallback;
      case 'bool':
        return this.flag(node, path) ?? fallback;
      case 'int':
        return this.integer(spec, node, path) ?? fallback;
      case 'fraction':
        return this.fraction(node, path) ?? fallback;
      case 'duration':
        return this.duration(node, path) ?? fallback;
      case 'retention':
        return this.retention(node, path) ?? fallback;
      case 'channels':
        return this.channels(spec, node, path) ?? structuredClone(fallback);
      case 'strings':
        return this.strings(spec, node, path) ?? structuredClone(fallback);
      case 'section':
        return this.section(spec.fields, fallback as Values, node, path);
      case 'sections':
        return this.sections(spec.fields, spec.item as Values, node, path) ?? structuredClone(fallback);
    }
  }

  private text(node: SourceNode, path: string): string | undefined {
    if (node.kind === 'scalar' && typeof node.value === 'string') return node.value;
    if (node.kind === 'scalar' && this.style === 'yaml' && node.numberText !== undefined) {
      return node.numberText;
    }
    this.typeError(path, 'a string', node);
    return undefined;
  }

  private choice(values: readonly string[], node: SourceNode, path: string): string | undefined {
    const value = this.text(node, path);
    if (value === undefined || values.includes(value)) return value;
    this.issues.add(path, ` ${JSON.stringify(value)} is invalid: must be ${oneOf(values)}`);
    return undefined;
  }

  private flag(node: SourceNode, path: string): boolean | undefined {
    if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value;
    const yaml11 =
      this.style === 'yaml' &&
      node.kind === 'scalar' &&
      typeof node.value === 'string' &&
      /^(y|yes|n|no|on|off)$/i.test(node.value);
    this.typeError(path, 'true or false', node, yaml11 ? ' (YAML 1.2 reads yes/no/on/off as strings)' : '');
    return undefined;
  }

  private integer(spec: IntSpec, node: SourceNode, path: string): number | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'number' || !Number.isSafeInteger(node.value)) {
      this.typeError(path, 'an integer', node);
      return undefined;
    }
    const value = node.value;
    if (value < spec.min) {
      const floor = spec.min === 1 ? 'positive' : spec.min === 0 ? 'non-negative' : `at least ${spec.min}`;
      this.issues.add(path, ` must be ${floor}`);
      return undefined;
    }
    if (spec.max !== undefined && value > spec.max) {
      this.issues.add(path, ` must be at most ${spec.max}`);
      return undefined;
    }
    return value;
  }

  private fraction(node: SourceNode, path: string): number | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'number' || !Number.isFinite(node.value)) {
      this.typeError(path, 'a number', node);
      return undefined;
    }
    if (node.value >= 0 && node.value <= 1) return node.value;
    this.issues.add(path, ' must be between 0 and 1');
    return undefined;
  }

  /**
   * YAML: a Go duration string or `0`; a negative duration disables the sweep as in Go and reads as
   * 0. Config object: non-negative integer milliseconds.
   */
  private duration(node: SourceNode, path: string): number | undefined {
    if (this.style === 'object') return this.integer({ kind: 'int', min: 0 }, node, path);
    if (node.kind === 'scalar' && node.value === 0) return 0;
    const written =
      node.kind !== 'scalar' ? undefined : typeof node.value === 'string' ? node.value : node.numberText;
    if (written === undefined) {
      this.typeError(path, 'a duration such as "168h"', node);
      return undefined;
    }
    const parsed = parseGoDuration(written);
    if ('ms' in parsed) return Math.max(0, parsed.ms);
    this.issues.add(path, `: invalid duration ${JSON.stringify(written)}: ${parsed.error}`);
    return undefined;
  }

  /** YAML: `forever`, `0` or a non-negative duration with optional days; object: non-negative ms. */
  private retention(node: SourceNode, path: string): number | undefined {
    if (this.style === 'object') return this.integer({ kind: 'int', min: 0 }, node, path);
    if (node.kind === 'scalar' && node.value === 0) return 0;
    const written = node.kind === 'scalar' && typeof node.value === 'string' ? node.value : undefined;
    if (written === undefined) {
      this.typeError(path, 'a retention such as "7d", "36h" or "forever"', node);
      return undefined;
    }
    const parsed = parseRetention(written);
    if ('ms' in parsed) return parsed.ms;
    this.issues.add(path, `: invalid retention ${JSON.stringify(written)}: ${parsed.error}`);
    return undefined;
  }

  private channels(spec: ChannelListSpec, node: SourceNode, path: string): string[] | undefined {
    return this.texts(node, path, 'a list of channel names or patterns', (name, itemPath) => {
      const pattern = /[*>]/.test(name);
      const problem = pattern ? channelPatternProblem(name) : channelNameProblem(name);
      if (problem !== undefined) {
        const what = pattern ? 'channel pattern' : 'channel name';
        this.issues.add(itemPath, ` ${JSON.stringify(name)} is not a valid ${what}: ${problem}`);
        return false;
      }
      if (spec.publish && isDeadLetterChannel(name)) {
        this.issues.add(
          itemPath,
          ` ${JSON.stringify(name)} cannot be published: the ${DEAD_LETTER_SUFFIX} suffix is reserved`,
        );
        return false;
      }
      return true;
    });
  }

  private strings(spec: StringListSpec, node: SourceNode, path: string): string[] | undefined {
    return this.texts(node, path, `a list, each ${spec.item}`, (value, itemPath) => {
      const problem = spec.problem(value);
      if (problem === undefined) return true;
      this.issues.add(itemPath, ` ${JSON.stringify(value)} is not ${spec.item}: ${problem}`);
      return false;
    });
  }

  /** The strings of a list that `accept` takes (it reports why it refuses one). */
  private texts(
    node: SourceNode,
    path: string,
    expected: string,
    accept: (value: string, itemPath: string) => boolean,
  ): string[] | undefined {
    if (node.kind !== 'list') {
      this.typeError(path, expected, node);
      return undefined;
    }
    return node.items().flatMap((item, index) => {
      const itemPath = indexPath(path, index);
      this.issues.record(itemPath, item.origin);
      const value = this.text(item, itemPath);
      return value !== undefined && accept(value, itemPath) ? [value] : [];
    });
  }

  private sections(
    fields: AnyFieldsSpec,
    item: Values,
    node: SourceNode,
    path: string,
  ): Values[] | undefined {
    if (node.kind !== 'list') {
      this.typeError(path, 'a list', node);
      return undefined;
    }
    return node.items().map((element, index) => {
      const itemPath = indexPath(path, index);
      this.issues.record(itemPath, element.origin);
      return this.section(fields, item, element, itemPath);
    });
  }

  /** Points at the offending value itself (not at its key, where a mapping or list is recorded). */
  private typeError(path: string, expected: string, node: SourceNode, hint = ''): void {
    this.issues.add(path, ` must be ${expected}, got ${describe(node)}${hint}`, node.origin);
  }
}

/** `"a" or "b"`, `"a", "b", or "c"` (Go's wording). */
function oneOf(values: readonly string[]): string {
  const quoted = values.map((value) => JSON.stringify(value));
  if (quoted.length <= 2) return quoted.join(' or ');
  return `${quoted.slice(0, -1).join(', ')}, or ${quoted.at(-1) ?? ''}`;
}

function describe(node: SourceNode): string {
  switch (node.kind) {
    case 'map':
      return 'a mapping';
    case 'list':
      return 'a list';
    case 'empty':
      return 'nothing';
    case 'scalar':
      return describeScalar(node.value, node.numberText);
  }
}

function describeScalar(value: unknown, numberText: string | undefined): string {
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${numberText ?? String(value)}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'object' && value !== null)
    return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
  return `a ${typeof value}`;
}
