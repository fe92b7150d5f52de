/**
 * The code blocks of README.md, as a reader copies them: every TypeScript block type-checks (strict)
 * against the built package in a fresh ESM project, the ones that need nothing but a data dir run to
 * completion there, every shell block parses, and the certificate block runs. Each block is listed
 * below with what is done with it, so a new block fails this test until it is given a check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, assertCliBuilt, runProcess } from '../cli/process.js';
import { tempDir } from '../support/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Block {
  readonly lang: string;
  /** The block's first line, which names it below. */
  readonly first: string;
  readonly code: string;
}

/** What is done with each block, by its first line; the reason when it is only parsed. */
const CHECKS: Readonly<Record<string, 'run' | 'typecheck' | `parse: ${string}` | `skip: ${string}`>> = {
  'npm ci && npm start   # builds, then runs the daemon on defaults: data in ./data, HTTP on 127.0.0.1:4437':
    'parse: it is this test suite and a daemon on a fixed port',
  'npm install git+https://<host>/<owner>/keyop-messenger.git   # or a path to a clone: npm install ../keyop-messenger':
    'parse: a placeholder URL; test/install installs the packed package',
  "import { Messenger } from 'keyop-messenger';": 'run',
  'keyop-messenger run -c /etc/keyop-messenger/config.yaml': 'parse: a system path; test/cli runs the daemon',
  'keyop-messenger gen-cert ca --out-cert ca.crt --out-key ca.key': 'run',
  'keyop-messenger channels                          # size, records, segments, offsets, retention':
    'parse: needs a data dir with these channels; test/admin runs every verb',
  'npm ci && npm run certs:dev       # CA plus hub-a and client-b certificates in certs/':
    'parse: fixed ports; test/cli/two-daemons.test.ts runs these two configs',
  '# hub-a.yaml                               # client-b.yaml':
    'skip: two files side by side, not one document',
  "import { EphemeralMessenger } from 'keyop-messenger';": 'typecheck',
  'keyop-messenger publish --hub 127.0.0.1:7740 --cert job.crt --key job.key --ca ca.crt \\':
    'parse: needs a hub; test/cli/publish-tail.test.ts',
  "curl -X PUT  -H 'content-type: application/json' http://127.0.0.1:4437/v1/stream/orders":
    'parse: a daemon on the default port, and an SSE read that never ends',
  'token=$(openssl rand -hex 32)   # give this to the client; store only its hash:':
    'parse: writes under /etc',
  "import { Messenger, RpcCloseError, StreamRpc } from 'keyop-messenger';": 'run',
  'keyop-messenger request --hub hub:7740 --cert alpha.crt --key alpha.key --ca ca.crt \\':
    'parse: needs a hub; test/cli/request.test.ts',
  "import { Messenger, SequenceMismatchError, StreamStore } from 'keyop-messenger';": 'run',
  "# Through a hub to the store's authority, as an ephemeral client (policy: publish sk.orders._req).":
    'parse: needs a hub and an instance; test/cli/sk.test.ts',
  'data/': 'skip: a folder tree',
  'npm run bench -- --only storage --out bench.json': 'parse: minutes long; bench has its own tests',
  'npm run bench -- --only streams,peers --report bench-report/':
    'parse: many minutes long and needs the peers installed; test/bench runs the report on a recorded run',
};

function readmeBlocks(): Block[] {
  const text = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1] ?? '',
    first: (m[2] ?? '').split('\n')[0] ?? '',
    code: m[2] ?? '',
  }));
}

const blocks = readmeBlocks();
const checked = (check: string): Block[] => blocks.filter((b) => CHECKS[b.first] === check);
let project: string;

/** A fresh ESM project that depends on this package (the built one) and @types/node. */
function consumerProject(): string {
  const dir = tempDir('keyop-readme-');
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'readme', private: true, type: 'module' }),
  );
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'keyop-messenger'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        outDir: 'out',
        skipLibCheck: false,
      },
      include: ['*.ts'],
    }),
  );
  return dir;
}

const fileOf = (block: Block): string => `block-${blocks.indexOf(block)}`;

beforeAll(async () => {
  assertCliBuilt();
  project = consumerProject();
  for (const block of blocks.filter((b) => b.lang === 'ts')) {
    fs.writeFileSync(path.join(project, `${fileOf(block)}.ts`), block.code);
  }
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const compiled = await runProcess(process.execPath, [tsc, '-p', project], project);
  if (compiled.code !== 0) throw new Error(`README TypeScript blocks do not compile:\n${compiled.stdout}`);
}, 120_000);

describe('README.md code blocks', () => {
  it('are each given a check', () => {
    expect(blocks.filter((b) => CHECKS[b.first] === undefined).map((b) => b.first)).toEqual([]);
    expect(blocks.length).toBe(Object.keys(CHECKS).length);
  });

  it('type-check as strict TypeScript against the package (every TypeScript block)', () => {
    const ts = blocks.filter((b) => b.lang === 'ts');
    expect(ts.every((b) => CHECKS[b.first] === 'run' || CHECKS[b.first] === 'typecheck')).toBe(true);
    for (const block of ts)
      expect(fs.existsSync(path.join(project, 'out', `${fileOf(block)}.js`))).toBe(true);
  });

  it.each(
    checked('run')
      .filter((b) => b.lang === 'ts')
      .map((b) => [b.first, b] as const),
  )('runs %s to completion in a fresh folder', async (_first, block) => {
    const cwd = tempDir('keyop-readme-run-');
    const result = await runProcess(
      process.execPath,
      [path.join(project, 'out', `${fileOf(block)}.js`)],
      cwd,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('shell blocks parse, and the certificate block runs', async () => {
    for (const block of blocks.filter((b) => b.lang === 'sh')) {
      const parsed = await runProcess('bash', ['-n'], project, block.code);
      expect(parsed, block.first).toMatchObject({ code: 0, stderr: '' });
    }
    const bin = tempDir('keyop-readme-bin-');
    fs.writeFileSync(
      path.join(bin, 'keyop-messenger'),
      `#!/bin/sh\nexec "${process.execPath}" "${CLI_MAIN}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    for (const block of checked('run').filter((b) => b.lang === 'sh')) {
      const cwd = tempDir('keyop-readme-sh-');
      const result = await runProcess('bash', ['-e', '-c', `PATH=${bin}:$PATH\n${block.code}`], cwd);
      expect(result, block.first).toMatchObject({ code: 0 });
    }
  });
});
