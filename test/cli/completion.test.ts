import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli, runProcess } from './process.js';

const TOP_LEVEL = [
  'run',
  'publish',
  'tail',
  'request',
  'sk',
  'gen-cert',
  'keygen',
  'channels',
  'stats',
  'subscribers',
  'cat',
  'offset',
  'unsubscribe',
  'purge',
  'delete',
  'dead-letter',
  'version',
  'completion',
  'help',
];

/** Completes the command line `words` (the last one being completed) with the script loaded in bash. */
async function complete(script: string, words: readonly string[]): Promise<string[]> {
  const program = [
    script,
    `COMP_WORDS=(${['keyop-messenger', ...words].map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length}`,
    '_keyop_messenger',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = await runProcess('bash', ['--norc', '-c', program], tmpdir());
  expect(result, words.join(' ')).toMatchObject({ code: 0, stderr: '' });
  return result.stdout.split('\n').filter((line) => line !== '');
}

describe('keyop-messenger completion', () => {
  beforeAll(assertCliBuilt);

  it('prints a bash script naming every top-level command, that bash completes with', async () => {
    const result = await runCli(['completion', 'bash'], tmpdir());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('complete -o default -F _keyop_messenger keyop-messenger\n');
    const script = result.stdout;

    expect((await complete(script, [''])).sort()).toEqual(
      [...TOP_LEVEL, '--version', '-V', '--help', '-h'].sort(),
    );
    expect(await complete(script, ['ta'])).toEqual(['tail']);
    expect(await complete(script, ['tail', '--c'])).toEqual([
      '--cert',
      '--ca',
      '--channel',
      '--count',
      '--config',
    ]);
    expect(await complete(script, ['keygen', 'instance', '--out-'])).toEqual(['--out-cert', '--out-key']);
    expect(await complete(script, ['sk', 'pe'])).toEqual(['peek']);
    expect(await complete(script, ['help', 'gen'])).toEqual(['gen-cert']);
  });

  it('exits 2 for a shell it does not know', async () => {
    const result = await runCli(['completion', 'fish'], tmpdir());
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain("'fish' is invalid for argument 'shell'. Allowed choices are bash.");
  });
});
