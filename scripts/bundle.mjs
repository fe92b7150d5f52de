#!/usr/bin/env node
// `npm run build`, after tsc: bundles the built package's main export and CLI into dist/bundle, what
// package.json's "exports" and "bin" name (DESIGN.md §12.1). Each dynamic import stays a chunk of its
// own, loaded when a path needs it. npm packages are bundled too (one file to compile instead of a
// package's many CommonJS files), except those in EXTERNAL; Node's modules stay external. The types
// stay tsc's declarations beside dist/src. The bundled packages' licenses are written beside the code.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'rolldown';

/**
 * Packages left to Node's resolver: `ws` tries optional native addons at run time, and the
 * certificate stack (`@peculiar/x509` and the decorator metadata it registers globally) loads only
 * for `gen-cert`, `inspect` and the expiry check.
 */
const EXTERNAL = ['ws', '@peculiar/x509', 'reflect-metadata', 'tsyringe'];
const OUT_DIR = 'dist/bundle';
const LICENSES_FILE = 'THIRD-PARTY-LICENSES.txt';

/** Whether `id`, an import specifier, is left to Node. */
function isExternal(id) {
  return id.startsWith('node:') || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`));
}

/** The folder of the npm package a bundled file belongs to (the innermost node_modules entry). */
function packageDirOf(file) {
  const parts = file.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const width = parts[at + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + width).join('/');
}

/** The text of a package's license file, or undefined when it ships none. */
function licenseText(dir) {
  const file = fs.readdirSync(dir).find((name) => /^licen[cs]e(\.|$)/i.test(name));
  return file === undefined ? undefined : fs.readFileSync(path.join(dir, file), 'utf8').trim();
}

/** Writes the name, version, license and license text of every package bundled into `chunks`. */
function writeLicenses(chunks) {
  const dirs = new Set(
    chunks.flatMap((chunk) => chunk.moduleIds ?? []).flatMap((id) => packageDirOf(id) ?? []),
  );
  const entries = [...dirs]
    .map((dir) => ({ dir, pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.name !== undefined)
    .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name, 'en'))
    .map(({ dir, pkg }) => {
      const text = licenseText(dir) ?? `(no license file; package.json says ${pkg.license ?? 'nothing'})`;
      return `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}\n`;
    });
  fs.writeFileSync(
    path.join(OUT_DIR, LICENSES_FILE),
    `Packages bundled into this folder's files, with their licenses.\n\n${entries.join(`\n${'-'.repeat(72)}\n\n`)}`,
  );
}

// Chunk names carry a content hash: a rebuild starts from an empty folder, so no stale chunk ships.
fs.rmSync(OUT_DIR, { recursive: true, force: true });
const { output } = await build({
  input: { index: 'dist/src/index.js', cli: 'dist/cmd/keyop-messenger/main.js' },
  platform: 'node',
  external: isExternal,
  // An import of an external for its effect alone stays, as it runs unbundled (common-name.ts loads
  // node:tls before it reads a certificate, against a Node 20 loading-order bug).
  treeshake: { moduleSideEffects: (_id, external) => (external ? true : undefined) },
  logLevel: 'warn',
  output: {
    dir: OUT_DIR,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: true,
    // What a loaded file costs is its source text, kept in memory: doc comments are left out (the
    // source maps still point at them), and non-ASCII characters are escaped, so that V8 keeps each
    // file as one byte per character instead of two. Names and lines stay for stack traces.
    comments: { legal: true, annotation: true, jsdoc: false },
    minify: { compress: false, mangle: false, codegen: { removeWhitespace: false, asciiOnly: true } },
  },
});
writeLicenses(output.filter((item) => item.type === 'chunk'));
