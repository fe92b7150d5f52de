import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { getStatus, spawnDaemon, stopCleanly } from '../cli/daemon-process.js';
import { assertCliBuilt, runProcess } from '../cli/process.js';
import { tempDir } from '../support/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM = 'npm';
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];

let project: string;

async function npm(args: readonly string[], cwd: string): Promise<string> {
  const result = await runProcess(NPM, args, cwd);
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  assertCliBuilt();
  const packs = tempDir('keyop-pack-');
  // What a git or path install ships: the package as `npm pack` makes it (dist built by `prepare`).
  const tarball = (await npm(['pack', '--ignore-scripts', '--pack-destination', packs], ROOT))
    .trim()
    .split('\n')
    .pop()!;
  project = tempDir('keyop-consumer-');
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }),
  );
  const nodeTypes = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules/@types/node/package.json'), 'utf8'),
  ) as {
    version: string;
  };
  await npm(
    ['install', ...INSTALL_FLAGS, path.join(packs, tarball), `@types/node@${nodeTypes.version}`],
    project,
  );
}, 180_000);

describe('installing the package into a fresh project', () => {
  it('ships a LICENSE matching package.json, the systemd unit and the conventions', () => {
    const installed = path.join(project, 'node_modules/keyop-messenger');
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
      license: string;
    };
    expect(pkg.license).toBe('BSD-2-Clause');
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toContain('BSD 2-Clause License');
    const unit = fs.readFileSync(path.join(installed, 'examples/keyop-messenger.service'), 'utf8');
    // `systemctl reload` is the SIGHUP reload, not a restart.
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(fs.existsSync(path.join(installed, 'docs/conventions/streaming-rpc.md'))).toBe(true);
  });

  it('imports the library and publishes and receives a message', async () => {
    const script = path.join(project, 'use.mjs');
    fs.writeFileSync(
      script,
      `import { Messenger } from 'keyop-messenger';
const m = await Messenger.open({ name: 'consumer', storage: { dataDir: './data' } });
const got = new Promise((resolve) => m.subscribe('c', 's', (msg) => resolve(msg.payload), { from: 'beginning' }));
await m.publish('c', 'T', { ok: true });
console.log(JSON.stringify(await got));
await m.close();
`,
    );
    const result = await runProcess(process.execPath, [script], project);
    expect(result).toMatchObject({ code: 0, stdout: '{"ok":true}\n' });
  });

  it('runs the keyop-messenger bin', async () => {
    const result = await runProcess(
      path.join(project, 'node_modules/.bin/keyop-messenger'),
      ['version'],
      project,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^keyop-messenger \d+\.\d+\.\d+/);
  });

  it('runs the daemon with the packages it bundles left uninstalled, and ships their licenses', async () => {
    // yaml reads the config, prom-client serves /metrics, commander parses the command line: all
    // from the bundle (DESIGN.md §12.1), none of them in the consumer's tree.
    const bundled = ['yaml', 'prom-client', 'commander'];
    expect(bundled.filter((name) => fs.existsSync(path.join(project, 'node_modules', name)))).toEqual([]);
    const licenses = fs.readFileSync(
      path.join(project, 'node_modules/keyop-messenger/dist/bundle/THIRD-PARTY-LICENSES.txt'),
      'utf8',
    );
    for (const name of bundled) expect(licenses).toMatch(new RegExp(`^${name}@\\d+\\.\\d+\\.\\d+ \\(`, 'm'));
    const config = path.join(project, 'daemon.yaml');
    fs.writeFileSync(config, 'storage:\n  data_dir: daemon-data\nhttp:\n  listen_addr: 127.0.0.1:0\n');
    const cli = path.join(project, 'node_modules/keyop-messenger/dist/bundle/cli.js');
    const daemon = spawnDaemon(['run', '-c', config], project, {}, cli);
    const started = await daemon.started;
    expect(started.msg).toBe('keyop-messenger started');
    expect(await getStatus(`${String(started.httpUrl)}/metrics`)).toBe(200);
    await stopCleanly(daemon);
  });

  it('type-checks a TypeScript consumer with skipLibCheck off', async () => {
    fs.writeFileSync(
      path.join(project, 'index.ts'),
      `import { Messenger, StreamRpc, type Message } from 'keyop-messenger';
const m: Messenger = await Messenger.open({ name: 'x', storage: { dataDir: './d' } });
const rpc = await StreamRpc.open(m);
await m.subscribe('c', 's', (msg: Message): void => console.log(msg.id));
await rpc.close();
await m.close();
`,
    );
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    const result = await runProcess(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      project,
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
