/**
 * The house drawn from its imports: every relative import of the source folders (`cmd`, `src`,
 * `internal`), read from the TypeScript text, as module → module and folder → folder edges.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

const SOURCE_ROOTS = ['cmd', 'src', 'internal'];

/** `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`, relative specifiers only. */
const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

/** One import of one module by another (paths relative to the root, `.ts`). */
export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type`: gone at run time. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every relative import between the modules of `cmd`, `src` and `internal`. */
export function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of SOURCE_ROOTS.flatMap(sourceFiles)) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[3] ?? match[4] ?? '';
      const to = path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts');
      edges.push({ from: file, to, typeOnly: match[2] !== undefined });
    }
  }
  return edges;
}

/**
 * The folder a module belongs to in the house: `cmd`, `src`, or `internal/<concern>` (a concern's
 * subfolders, like `internal/http/streams`, belong to it).
 */
export function folderOf(module: string): string {
  const [top = '', concern = ''] = module.split('/');
  return top === 'internal' ? `internal/${concern}` : top;
}

/** Folder → folder edges (`a → b` once however many imports), with the modules that make each. */
export function folderEdges(edges: readonly ImportEdge[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { from, to } of edges) {
    const key = `${folderOf(from)} → ${folderOf(to)}`;
    if (folderOf(from) === folderOf(to)) continue;
    out.set(key, [...(out.get(key) ?? []), `${from} → ${to}`]);
  }
  return out;
}

/** A cycle of `graph` (as the nodes along it, first repeated last), or undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle !== undefined) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

/** The adjacency list of `edges`, keyed by `key` of each end. */
export function adjacency(
  edges: readonly ImportEdge[],
  key: (module: string) => string = (m) => m,
): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const { from, to } of edges) {
    const [a, b] = [key(from), key(to)];
    if (a === b) continue;
    const next = graph.get(a) ?? [];
    if (!next.includes(b)) next.push(b);
    graph.set(a, next);
    if (!graph.has(b)) graph.set(b, []);
  }
  return graph;
}
