#!/usr/bin/env node
// `npm run build`, after tsc: bundles the built package's main export and CLI into dist/bundle, what
// package.json's "exports" and "bin" name (DESIGN.md §12.1). Each dynamic import stays a chunk of its
// own, loaded when a path needs it; npm packages and Node's modules stay external. The types stay
// tsc's declarations beside dist/src.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'rolldown';

// Chunk names carry a content hash: a rebuild starts from an empty folder, so no stale chunk ships.
fs.rmSync('dist/bundle', { recursive: true, force: true });
await build({
  input: { index: 'dist/src/index.js', cli: 'dist/cmd/keyop-messenger/main.js' },
  platform: 'node',
  // Only the package's own files (relative imports, then resolved to absolute paths) are bundled.
  external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
  // An import of an external for its effect alone stays, as it runs unbundled (common-name.ts loads
  // node:tls before it reads a certificate, against a Node 20 loading-order bug).
  treeshake: { moduleSideEffects: (_id, external) => (external ? true : undefined) },
  logLevel: 'warn',
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: true,
  },
});
