import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './process.js';

describe('keyop-messenger', () => {
  beforeAll(assertCliBuilt);

  it('version, --version and -V print the package version and exit 0', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const args of [['version'], ['--version'], ['-V']]) {
      expect(await runCli(args, tmpdir()), args.join(' ')).toEqual({
        code: 0,
        stdout: `keyop-messenger ${pkg.version}\n`,
        stderr: '',
      });
    }
  });

  it('exits 2 with commander’s message on bad usage', async () => {
    const cases = [
      { args: ['bogus'], message: "unknown command 'bogus'" },
      { args: ['gen-cert', 'instance', '--ca', 'ca.crt', '--ca-key', 'ca.key'], message: "'--name <name>'" },
      { args: ['gen-cert', 'ca', '--days', 'soon'], message: "'--days <n>' argument 'soon' is invalid" },
      { args: ['gen-cert', 'ca', '--bogus'], message: "unknown option '--bogus'" },
    ];
    for (const { args, message } of cases) {
      const result = await runCli(args, tmpdir());
      expect(result, args.join(' ')).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    }
  });

  it('prints help to stdout and exits 0 for --help', async () => {
    const result = await runCli(['--help'], tmpdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: keyop-messenger /);
    expect(result.stdout).toContain('gen-cert|keygen');
  });

  it('prints help to stdout and exits 0 for `help` and `help COMMAND`', async () => {
    const top = await runCli(['help'], tmpdir());
    expect(top).toMatchObject({ code: 0, stderr: '' });
    expect(top.stdout).toMatch(/^Usage: keyop-messenger /);
    const tail = await runCli(['help', 'tail'], tmpdir());
    expect(tail).toMatchObject({ code: 0, stderr: '' });
    expect(tail.stdout).toMatch(/^Usage: keyop-messenger tail /);
  });

  it('prints help to stderr and exits 2 when no command is given', async () => {
    const result = await runCli([], tmpdir());
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^Usage: keyop-messenger /);
  });
});
