import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { assertCliBuilt, runProcess } from './process.js';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Runs npm with `args` in `cwd`; resolves to its stdout (rejects with its output when it fails). */
async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync('npm', args, { cwd, maxBuffer: 16 * 2 ** 20 });
  return stdout;
}

describe('npm pack', () => {
  beforeAll(assertCliBuilt);

  it('produces a tarball whose installed keyop-messenger bin runs', async () => {
    const dir = tempDir('keyop-pack-');
    const [packed] = JSON.parse(await npm(['pack', '--json', '--pack-destination', dir], repoRoot)) as {
      filename: string;
      version: string;
      files: { path: string }[];
    }[];
    // The web console's page ships in the package (served from it, no build step, no network).
    expect(packed!.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['ui/index.html', 'ui/app.js', 'ui/shape.js', 'ui/style.css']),
    );
    const tarball = path.join(dir, packed!.filename);
    expect(fs.existsSync(tarball)).toBe(true);

    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'keyop-pack-test', version: '1.0.0', private: true }),
    );
    await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);

    const bin = path.join(project, 'node_modules', '.bin', 'keyop-messenger');
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(packed!.version).toBe(version);
    expect(await runProcess(bin, ['version'], project)).toEqual({
      code: 0,
      stdout: `keyop-messenger ${version}\n`,
      stderr: '',
    });
  }, 120_000);
});
