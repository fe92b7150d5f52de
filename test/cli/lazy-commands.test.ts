import { describe, expect, it } from 'vitest';
import { exited, spawnFixture, stdoutLines } from '../support/child.js';
import { tempDir } from '../support/temp-dir.js';

interface Loaded {
  commands: string[];
  internal: string[];
  packages: string[];
}

/** Runs the CLI with `args` in the recording fixture; returns what it printed and what it loaded. */
async function loadedFor(args: string[]): Promise<{ output: string[]; loaded: Loaded }> {
  const child = spawnFixture('cli-footprint.mjs', [tempDir(), ...args]);
  const lines = stdoutLines(child);
  expect(await exited(child), args.join(' ')).toBe(0);
  return { output: lines.slice(0, -1), loaded: JSON.parse(lines.at(-1) ?? '') as Loaded };
}

describe('CLI command loading', () => {
  it('loads no command module nor package for the version alone, and only the named module for a command', async () => {
    for (const args of [['--version'], ['-V'], ['version']]) {
      const version = await loadedFor(args);
      expect(version.output, args[0]).toEqual([expect.stringMatching(/^keyop-messenger \d/) as unknown]);
      expect(version.loaded, args[0]).toEqual({ commands: [], internal: [], packages: [] });
    }

    const versionHelp = await loadedFor(['version', '--help']);
    expect(versionHelp.loaded.commands).toEqual(['version']);
    expect(versionHelp.loaded.packages).toEqual(['commander']);
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
