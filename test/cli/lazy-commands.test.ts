import { describe, expect, it } from 'vitest';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

interface Loaded {
  commands: string[];
  internal: string[];
}

/** Runs the CLI with `args` in the recording fixture; returns what it printed and what it loaded. */
async function loadedFor(args: string[]): Promise<{ output: string[]; loaded: Loaded }> {
  const child = spawnFixture('cli-footprint.mjs', [tempDir(), ...args]);
  const lines = stdoutLines(child);
  expect(await exited(child), args.join(' ')).toBe(0);
  return { output: lines.slice(0, -1), loaded: JSON.parse(lines.at(-1) ?? '') as Loaded };
}

describe('CLI command loading', () => {
  it('loads no command module for --version and only the named one for a command', async () => {
    const version = await loadedFor(['--version']);
    expect(version.output).toEqual([expect.stringMatching(/^keyop-messenger \d/) as unknown]);
    expect(version.loaded.commands).toEqual([]);
    expect(version.loaded.internal).not.toContain('streamkit');

    expect((await loadedFor(['version'])).loaded.commands).toEqual(['version']);
  });

  it('loads every command module for help, which lists them all', async () => {
    const help = await loadedFor(['--help']);
    expect(help.loaded.commands).toEqual(
      expect.arrayContaining([
        'completion',
        'gen-cert',
        'publish',
        'request',
        'run',
        'sk',
        'tail',
        'version',
      ]),
    );
    // The sk command loads streamkit: proof that the `not.toContain` above can fail.
    expect(help.loaded.internal).toContain('streamkit');
    expect(help.output.join('\n')).toContain('completion');
  });
});
