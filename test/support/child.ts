/** Spawning the built package in child processes. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '../..');

/** Throws a clear error when the package has not been built (`npm test` builds first). */
export function requireBuild(): void {
  if (!fs.existsSync(path.join(root, 'dist/src/index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (`npm test` does)');
  }
}

/** Starts `node test/fixtures/<script> ...args`. */
export function spawnFixture(script: string, args: string[]): ChildProcessWithoutNullStreams {
  requireBuild();
  return spawn(process.execPath, [path.join(root, 'test/fixtures', script), ...args], { stdio: 'pipe' });
}

/** Every stdout line of `child`, collected as they arrive. */
export function stdoutLines(child: ChildProcessWithoutNullStreams): string[] {
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  return lines;
}

/** Resolves with the exit code (or signal) of `child`. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<number | NodeJS.Signals> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else
      child.once('exit', (code, signal) => {
        resolve(code ?? signal ?? -1);
      });
  });
}
