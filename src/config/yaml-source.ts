/**
 * Parses configuration text as YAML 1.2 (core schema: `yes`/`on` are strings) into a
 * {@link SourceNode} tree whose nodes carry their line:column.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { ConfigIssues, Origin } from './issues.js';
import type { SourceEntry, SourceNode } from './source.js';
import { yamlShapeProblem } from './yaml-shape.js';

/**
 * Parses `text`. Syntax errors and unresolvable aliases are added to `issues` with their position;
 * the tree is undefined when the text could not be parsed. An empty document gives an `empty` node.
 * Duplicate keys are left in the tree: the decoder reports them with their key path.
 */
export function parseYamlSource(text: string, issues: ConfigIssues): SourceNode | undefined {
  const shapeLines = new LineCounter();
  const shape = yamlShapeProblem(text, shapeLines.addNewLine);
  if (shape !== undefined) {
    issues.addGeneral(shape.message, positionOf(shapeLines, shape.offset));
    return undefined;
  }
  const lineCounter = new LineCounter();
  const originAt = (offset: number): Origin => positionOf(lineCounter, offset);
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
  });
  for (const problem of [...doc.errors, ...doc.warnings])
    issues.addGeneral(problem.message, originAt(problem.pos[0]));
  visit(doc, {
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) {
        issues.addGeneral(`alias *${alias.source} has no matching anchor`, originAt(alias.range?.[0] ?? 0));
      }
    },
  });
  if (issues.size > 0) return undefined;
  return toSourceNode(doc, doc.contents, undefined, originAt);
}

function toSourceNode(
  doc: Document,
  node: unknown,
  fallbackOrigin: Origin | undefined,
  originAt: (offset: number) => Origin,
): SourceNode {
  const origin = isYamlNode(node) && node.range ? originAt(node.range[0]) : fallbackOrigin;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return target === undefined ? { kind: 'empty', origin } : toSourceNode(doc, target, origin, originAt);
  }
  if (isMap(node)) {
    return {
      kind: 'map',
      origin,
      entries: () =>
        node.items.map((pair): SourceEntry => {
          const keyOrigin = isYamlNode(pair.key) && pair.key.range ? originAt(pair.key.range[0]) : origin;
          return {
            key: isScalar(pair.key) ? String(pair.key.value) : '<complex key>',
            keyOrigin,
            value: toSourceNode(doc, pair.value, keyOrigin, originAt),
          };
        }),
    };
  }
  if (isSeq(node)) {
    return {
      kind: 'list',
      origin,
      items: () => node.items.map((item) => toSourceNode(doc, item, origin, originAt)),
    };
  }
  if (isScalar(node)) {
    if (node.value === null) return { kind: 'empty', origin };
    if (typeof node.value === 'number' && node.source !== undefined) {
      return { kind: 'scalar', origin, value: node.value, numberText: node.source };
    }
    return { kind: 'scalar', origin, value: node.value };
  }
  return { kind: 'empty', origin };
}

function positionOf(lineCounter: LineCounter, offset: number): Origin {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function isYamlNode(value: unknown): value is YamlNode {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}
