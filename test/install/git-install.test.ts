import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../cli/process.js';
import { tempDir } from '../support/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let project: string;
let installed: string;

beforeAll(async () => {
  project = tempDir('keyop-git-consumer-');
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }),
  );
  // What `npm install <git url>` does: clone the committed tree, install its dev dependencies, run
  // `prepare` (the build), pack and install the result. Nothing of this checkout's dist/ is used.
  const result = await runProcess(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${ROOT}`],
    project,
  );
  if (result.code !== 0)
    throw new Error(`npm install git+file://${ROOT} exited ${result.code}: ${result.stderr}`);
  installed = path.join(project, 'node_modules/keyop-messenger');
}, 300_000);

describe('npm install from a git URL of this repository', () => {
  it('builds dist/ on prepare, so the library imports and publishes', async () => {
    expect(fs.existsSync(path.join(installed, 'dist/src/index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/bundle/index.js'))).toBe(true);
    const script = path.join(project, 'use.mjs');
    fs.writeFileSync(
      script,
      `import { Messenger } from 'keyop-messenger';
const m = await Messenger.open({ name: 'git-consumer', storage: { dataDir: './data' } });
const { offset } = await m.publish('c', 'T', { ok: true });
console.log(offset);
await m.close();
`,
    );
    const ran = await runProcess(process.execPath, [script], project);
    expect(ran).toMatchObject({ code: 0, stdout: '0\n' });
  });

  it('links a working keyop-messenger bin', async () => {
    const ran = await runProcess(
      path.join(project, 'node_modules/.bin/keyop-messenger'),
      ['--version'],
      project,
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^keyop-messenger \d+\.\d+\.\d+/);
  });
});
