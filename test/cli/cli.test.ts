import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCli } from './process.js';

describe('keyop-messenger', () => {
  beforeAll(assertCliBuilt);

  it('version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await runCli(['version'], tmpdir())).toEqual({
      code: 0,
      stdout: `keyop-messenger ${pkg.version}\n`,
      stderr: '',
    });
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
});
