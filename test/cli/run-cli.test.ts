import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ExitCode, runCli, type CliContext } from '../../cmd/keyop-messenger/cli.js';
import { ConfigError } from '../../internal/errors/index.js';

/** Runs a program whose one command, `fail`, throws `error`; returns the exit code and stderr. */
async function exitFor(error: unknown): Promise<{ code: ExitCode; stderr: string }> {
  let stderr = '';
  const ctx: CliContext = {
    version: '0.0.0-test',
    stdout: () => undefined,
    stderr: (text) => (stderr += text),
  };
  const registerFail = (program: Command) => {
    program.command('fail').action(() => {
      throw error;
    });
  };
  const code = await runCli(['node', 'keyop-messenger', 'fail'], ctx, [registerFail]);
  return { code, stderr };
}

describe('runCli exit codes', () => {
  it('maps an invalid config to 78 and any other failure to 1, printing the message', async () => {
    expect(await exitFor(new ConfigError(['storage.data_dir is required'], 'c.yaml'))).toEqual({
      code: 78,
      stderr: 'error: invalid config "c.yaml":\n  storage.data_dir is required\n',
    });
    expect(await exitFor(new Error('disk full'))).toEqual({ code: 1, stderr: 'error: disk full\n' });
  });
});
