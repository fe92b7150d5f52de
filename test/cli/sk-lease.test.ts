import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { Messenger, StreamStore } from '../../src/index.js';
import { makePki, type TestNode, type TestPki } from '../support/cluster.js';
import { closedAfterEach } from '../support/closing.js';
import { tempDir } from '../support/temp-dir.js';
import { assertCliBuilt, CLI_MAIN, runCli } from './process.js';
import { authorityHub as authorityHubOf, operatorFlags } from './sk-hub-fixture.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'operator']);
});

const closing = closedAfterEach();

const authorityHub = (): Promise<{ hub: TestNode; store: StreamStore }> => authorityHubOf(pki, closing);

function viaHub(hub: TestNode, ...verb: string[]): string[] {
  return ['sk', ...verb, ...operatorFlags(pki, hub)];
}

function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

describe('keyop-messenger sk lease', () => {
  it('acquires, refuses a second holder, shows, releases and hands the key on with a new fence', async () => {
    const { hub, store } = await authorityHub();
    const cwd = tempDir();
    const acquired = await runCli(
      [...viaHub(hub, 'lease', 'acquire', 'job'), '--holder', 'op-1', '--ttl', '60'],
      cwd,
    );
    expect(acquired).toMatchObject({ code: 0, stderr: '' });
    expect(jsonLines(acquired.stdout)).toMatchObject([
      { key: 'job', holder: 'op-1', fence: 1, event: 'acquired' },
    ]);
    expect((await store.getLease('job'))?.holder).toBe('op-1');

    const refused = await runCli([...viaHub(hub, 'lease', 'acquire', 'job'), '--ttl', '60'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('held by "op-1"');
    expect(refused.stderr).toContain('4011');

    const notHolder = await runCli([...viaHub(hub, 'lease', 'release', 'job'), '--holder', 'someone'], cwd);
    expect(notHolder.code).toBe(1);
    expect(notHolder.stderr).toContain('"someone" is not its holder');

    const shown = await runCli(viaHub(hub, 'lease', 'show'), cwd);
    expect(jsonLines(shown.stdout)).toMatchObject([{ key: 'job', holder: 'op-1', fence: 1 }]);
    const released = await runCli([...viaHub(hub, 'lease', 'release', 'job'), '--holder', 'op-1'], cwd);
    expect(jsonLines(released.stdout)).toMatchObject([{ key: 'job', holder: null, event: 'released' }]);

    const next = await runCli([...viaHub(hub, 'lease', 'acquire', 'job'), '--ttl', '5'], cwd);
    const [lease] = jsonLines(next.stdout) as { holder: string; fence: number }[];
    expect(lease?.fence).toBe(2);
    expect(lease?.holder).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('shows the leases of a stopped data dir, and reports bad usage with exit 2', async () => {
    const dataDir = tempDir('keyop-sk-lease-');
    const messenger = await Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'none' } });
    const store = await StreamStore.open(messenger, { store: 'orders' });
    await store.acquireLease('a', 'x', 60_000);
    await store.acquireLease('b', 'y', 60_000);
    await store.releaseLease('b', 'y');
    await store.close();
    await messenger.close();
    const cwd = tempDir();
    const shown = await runCli(['sk', 'lease', 'show', '--data-dir', dataDir, '--store', 'orders'], cwd);
    expect(jsonLines(shown.stdout)).toMatchObject([
      { key: 'a', holder: 'x', fence: 1 },
      { key: 'b', holder: null, fence: 1, event: 'released' },
    ]);
    const workers = await runCli(['sk', 'workers', '--data-dir', dataDir, '--store', 'orders'], cwd);
    expect(jsonLines(workers.stdout)).toEqual([{ workers: [], timestamp: 0, version: 0 }]);

    const usage: [string[], string][] = [
      [['sk', 'lease', 'acquire', 'k', '--hub', 'x:1', '--store', 'orders', '--ttl', '0'], 'between 1'],
      [['sk', 'lease', 'show', '--store', 'orders'], 'one of --data-dir'],
      [['sk', 'workers', '--store', 'Bad!'], 'invalid store name'],
    ];
    for (const [args, message] of usage) {
      const result = await runCli(args, cwd);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
  });
});

describe('keyop-messenger sk workers', () => {
  it('prints the inventory, then follows it until interrupted', async () => {
    const { hub, store } = await authorityHub();
    const first = await store.joinWorkers('w1', { zone: 'eu' });
    closing.push({ close: () => first.leave() });

    const once = await runCli([...viaHub(hub, 'workers'), '--no-follow'], tempDir());
    expect(once.code).toBe(0);
    expect(jsonLines(once.stdout)).toMatchObject([
      { version: 1, workers: [{ worker_id: 'w1', metadata: { zone: 'eu' }, origin: 'hub1' }] },
    ]);

    const child = spawn(process.execPath, [CLI_MAIN, ...viaHub(hub, 'workers')], { stdio: 'pipe' });
    const lines: unknown[] = [];
    const arrived: (() => void)[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line));
      arrived.shift()?.();
    });
    const nextLine = (): Promise<void> => new Promise((resolve) => arrived.push(resolve));
    await nextLine();
    const second = await store.joinWorkers('w2');
    closing.push({ close: () => second.leave() });
    await nextLine();
    expect(lines).toMatchObject([
      { version: 1, workers: [{ worker_id: 'w1' }] },
      {
        version: 2,
        change: { event: 'joined', worker_id: 'w2' },
        workers: [{ worker_id: 'w1' }, { worker_id: 'w2' }],
      },
    ]);
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
