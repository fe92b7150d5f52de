import { describe, expect, it } from 'vitest';
import { adjacency, findCycle, folderEdges, folderOf, importEdges } from '../support/house.js';

describe('the house drawn from imports', () => {
  const edges = importEdges();
  const folders = folderEdges(edges);

  it('reads the imports of every folder', () => {
    // Proof the drawing is not empty: the public face reaches the Messenger's storage.
    expect(folders.has('src → internal/storage')).toBe(true);
    expect(folders.has('cmd → src')).toBe(true);
    expect(edges.length).toBeGreaterThan(500);
  });

  it('has no cycle between folders, type-only imports included', () => {
    expect(findCycle(adjacency(edges, folderOf))).toBeUndefined();
  });

  it('has no cycle between modules at run time', () => {
    expect(findCycle(adjacency(edges.filter((e) => !e.typeOnly)))).toBeUndefined();
  });

  it('never imports src or cmd from internal, nor cmd from src', () => {
    const upward = [...folders.keys()].filter(
      (edge) => /^internal\/\S+ → (src|cmd)$/.test(edge) || edge === 'src → cmd',
    );
    expect(upward).toEqual([]);
  });

  it('has no federation → http edge', () => {
    expect(folders.get('internal/federation → internal/http')).toBeUndefined();
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const cyclic = adjacency(
      [
        { from: 'internal/a/x.ts', to: 'internal/b/y.ts', typeOnly: true },
        { from: 'internal/b/y.ts', to: 'internal/a/z.ts', typeOnly: false },
      ],
      folderOf,
    );
    expect(findCycle(cyclic)).toEqual(['internal/a', 'internal/b', 'internal/a']);
  });
});
