/**
 * Checks the shape of configuration text before it is composed into a document: one YAML document,
 * nested no deeper than a configuration can be. The YAML library would otherwise report these as
 * its own internals ("please use YAML.parseAllDocuments()", "Maximum call stack size exceeded").
 * Works on the parser's token stream with an explicit stack, so no input can exhaust the call stack.
 */
import { CST, Parser } from 'yaml';

/**
 * Deepest nesting of mappings and lists accepted. The schema needs 4 (`hub.allowed_peers[].publish[]`);
 * the margin keeps anchors, flow style and any future key working, far below the recursion limits.
 */
export const MAX_NESTING = 32;

/** A shape problem and the offset in the text where it shows. */
export interface ShapeProblem {
  readonly message: string;
  readonly offset: number;
}

/**
 * The first shape problem of `text`, or undefined when it is one document nested at most
 * {@link MAX_NESTING} deep. `onNewLine` is told the offset of every line read (for a `LineCounter`).
 */
export function yamlShapeProblem(
  text: string,
  onNewLine?: (offset: number) => void,
): ShapeProblem | undefined {
  let documents = 0;
  for (const token of new Parser(onNewLine).parse(text)) {
    if (token.type !== 'document') continue;
    documents++;
    if (documents > 1) {
      return {
        message: 'config must be a single YAML document; a second one starts here',
        offset: token.offset,
      };
    }
    const tooDeep = tooDeepAt(token.value);
    if (tooDeep !== undefined) {
      return {
        message: `nesting too deep: more than ${MAX_NESTING} levels of mappings and lists`,
        offset: tooDeep,
      };
    }
  }
  return undefined;
}

/** The offset of the first collection nested deeper than {@link MAX_NESTING} under `root`. */
function tooDeepAt(root: CST.Token | undefined): number | undefined {
  const pending: { token: CST.Token; depth: number }[] =
    root === undefined ? [] : [{ token: root, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { token, depth } = next;
    if (!CST.isCollection(token)) continue;
    if (depth >= MAX_NESTING) return token.offset;
    for (const item of token.items) {
      for (const child of [item.key, item.value]) {
        if (child !== undefined && child !== null) pending.push({ token: child, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
