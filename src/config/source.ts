/**
 * A neutral tree over raw configuration input, so one decoder serves both a parsed YAML document
 * and a plain object. Children are produced on demand, so a cyclic object (or YAML alias) is only
 * walked as deep as the schema goes.
 */
import type { Origin } from './issues.js';

/** One key of a mapping, as written. */
export interface SourceEntry {
  readonly key: string;
  readonly keyOrigin: Origin | undefined;
  readonly value: SourceNode;
}

/** A raw input value: a mapping, a list, a scalar, or an explicitly empty value (`~`, `null`, `undefined`). */
export type SourceNode =
  | { readonly kind: 'map'; readonly origin: Origin | undefined; entries(): readonly SourceEntry[] }
  | { readonly kind: 'list'; readonly origin: Origin | undefined; items(): readonly SourceNode[] }
  | {
      readonly kind: 'scalar';
      readonly origin: Origin | undefined;
      readonly value: unknown;
      /** For a YAML number, the text as written (`1.30`), which string keys accept as Go's decoder does. */
      readonly numberText?: string;
    }
  | { readonly kind: 'empty'; readonly origin: Origin | undefined };

/** Wraps a plain JavaScript value (a config object) as a {@link SourceNode}; no origins. */
export function objectSource(value: unknown): SourceNode {
  if (value === undefined || value === null) return { kind: 'empty', origin: undefined };
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    return { kind: 'list', origin: undefined, items: () => list.map(objectSource) };
  }
  if (typeof value === 'object') {
    return {
      kind: 'map',
      origin: undefined,
      entries: () =>
        Object.entries(value).map(([key, child]) => ({
          key,
          keyOrigin: undefined,
          value: objectSource(child),
        })),
    };
  }
  return { kind: 'scalar', origin: undefined, value };
}
