import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Messenger, StreamStore } from '../../src/index.js';
import { makePki, type TestNode, type TestPki } from '../support/cluster.js';
import { closedAfterEach } from '../support/closing.js';
import { tempDir } from '../support/temp-dir.js';
import { assertCliBuilt, runCli } from './process.js';
import { authorityHub as authorityHubOf, operatorFlags } from './sk-hub-fixture.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'operator']);
});

const closing = closedAfterEach();

/** A data dir holding store `orders`: eu/a (1, then [2, 3]), eu/b ("x"), us/a (bytes). Closed again. */
async function stoppedDataDir(): Promise<string> {
  const dataDir = tempDir('keyop-sk-cli-');
  const messenger = await Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'none' } });
  const store = await StreamStore.open(messenger, { store: 'orders' });
  await store.append('eu', 'a', 1);
  await store.produce('eu', 'a', [{ data: 2 }, { data: { three: 3 } }], { expectedLastSequence: 1 });
  await store.append('eu', 'b', 'x', { metadata: { by: 'test' } });
  await store.append('us', 'a', new Uint8Array([1, 2, 3]));
  await store.close();
  await messenger.close();
  return dataDir;
}

function local(dataDir: string, verb: string, ...rest: string[]): string[] {
  return ['sk', verb, '--data-dir', dataDir, '--store', 'orders', ...rest];
}

function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/** Every file under `dir` with a hash of its content (what "writes nothing" compares). */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    out[rel] = entry.isFile() ? createHash('sha256').update(fs.readFileSync(full)).digest('hex') : 'dir';
  }
  return out;
}

describe('keyop-messenger sk on a stopped data dir', () => {
  it('lists spaces, segments and statuses, peeks and consumes as JSON lines', async () => {
    const dataDir = await stoppedDataDir();
    const cwd = tempDir();
    const spaces = await runCli(local(dataDir, 'spaces'), cwd);
    expect(spaces).toMatchObject({ code: 0, stdout: '"eu"\n"us"\n' });
    expect((await runCli(local(dataDir, 'segments', '--space', 'eu'), cwd)).stdout).toBe('"a"\n"b"\n');

    const status = await runCli(local(dataDir, 'status', '--space', 'eu'), cwd);
    expect(jsonLines(status.stdout)).toMatchObject([
      { space: 'eu', segment: 'a', first_sequence: 1, last_sequence: 3 },
      { space: 'eu', segment: 'b', first_sequence: 1, last_sequence: 1 },
    ]);
    const missing = await runCli(local(dataDir, 'status', '--space', 'eu', '--segment', 'zz'), cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('segment eu/zz has no entry');

    const peek = await runCli(local(dataDir, 'peek', '--space', 'eu', '--segment', 'a'), cwd);
    expect(jsonLines(peek.stdout)).toMatchObject([
      {
        segment: 'a',
        sequence: 3,
        position: 3,
        data: { three: 3 },
        origin: 'node-a',
        trx: { index: 1, count: 2 },
      },
    ]);
    const empty = await runCli(local(dataDir, 'peek', '--space', 'eu', '--segment', 'none'), cwd);
    expect(jsonLines(empty.stdout)).toMatchObject([{ segment: 'none', sequence: 0 }]);
    const bytes = await runCli(local(dataDir, 'peek', '--space', 'us', '--segment', 'a'), cwd);
    expect(jsonLines(bytes.stdout)).toMatchObject([{ data_b64: 'AQID' }]);

    const window = await runCli(
      local(
        dataDir,
        'consume',
        '--space',
        'eu',
        '--segment',
        'a',
        '--min-sequence',
        '2',
        '--max-sequence',
        '2',
      ),
      cwd,
    );
    expect(jsonLines(window.stdout)).toMatchObject([{ sequence: 2, data: 2 }]);
    const space = await runCli(
      local(dataDir, 'consume', '--space', 'eu', '--after', '1', '--limit', '2'),
      cwd,
    );
    expect((jsonLines(space.stdout) as { position: number }[]).map((e) => e.position)).toEqual([2, 3]);
    const all = await runCli(local(dataDir, 'consume', '--space', 'eu'), cwd);
    expect(jsonLines(all.stdout)).toMatchObject([
      { sequence: 1 },
      { sequence: 2 },
      { sequence: 3 },
      { segment: 'b', data: 'x', metadata: { by: 'test' } },
    ]);
  });

  it('changes nothing on disk: a torn transaction stays torn and unread, a stale lock stays', async () => {
    const dataDir = await stoppedDataDir();
    // Tear a transaction: its first entry whole, half of its second one.
    const file = path.join(dataDir, 'channels', 'sk.orders.eu', '00000000000000000000.jsonl');
    const messenger = await Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'none' } });
    const store = await StreamStore.open(messenger, { store: 'orders' });
    const before = fs.statSync(file).size;
    await store.produce('eu', 'c', [{ data: 'c1' }, { data: 'c2' }]);
    await store.close();
    await messenger.close();
    const grown = fs.readFileSync(file);
    const secondLine = grown.indexOf(10, before) + 1;
    fs.truncateSync(file, secondLine + 20);
    // A lock left by a process that is gone.
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    fs.writeFileSync(path.join(dataDir, 'LOCK'), `${dead}\n1\n`);
    const tree = treeOf(dataDir);

    const cwd = tempDir();
    const segments = await runCli(local(dataDir, 'segments', '--space', 'eu'), cwd);
    expect(segments).toMatchObject({ code: 0, stdout: '"a"\n"b"\n' });
    const status = await runCli(local(dataDir, 'status', '--space', 'eu', '--segment', 'c'), cwd);
    expect(status.code).toBe(1);
    const all = await runCli(local(dataDir, 'consume', '--space', 'eu'), cwd);
    expect(jsonLines(all.stdout)).toHaveLength(4);
    expect(all.stderr).toBe('');
    expect(treeOf(dataDir)).toEqual(tree);
  });

  it('refuses a data dir a live process owns, naming it', async () => {
    const dataDir = await stoppedDataDir();
    const messenger = await Messenger.open({ name: 'node-a', storage: { dataDir, syncPolicy: 'none' } });
    closing.push(messenger);
    const tree = treeOf(dataDir);
    const result = await runCli(local(dataDir, 'spaces'), tempDir());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`is in use by process ${process.pid}`);
    expect(result.stderr).toContain('stop it first');
    expect(treeOf(dataDir)).toEqual(tree);
  });

  it('reports bad usage with exit 2', async () => {
    const dataDir = await stoppedDataDir();
    const cwd = tempDir();
    const produce = ['sk', 'produce', '--hub', 'x:1', '--store', 'orders', '--space', 'eu', '--segment', 'a'];
    const cases: [string[], string][] = [
      [local(dataDir, 'peek', '--space', 'a.b', '--segment', 's'), 'space'],
      [local(dataDir, 'consume', '--space', 'eu', '--limit', '-1'), 'not a whole number'],
      [
        local(dataDir, 'consume', '--space', 'eu', '--segment', 'a', '--after', '1'),
        '--after is for a space',
      ],
      [local(dataDir, 'consume', '--space', 'eu', '--min-sequence', '1'), 'need --segment'],
      [['sk', 'spaces', '--store', 'orders'], '--data-dir is required'],
      [['sk', 'peek', '--store', 'orders', '--space', 'eu', '--segment', 'a'], 'one of --data-dir'],
      [[...produce, '--data-dir', dataDir, '--expected-last-sequence', 'any'], 'a --data-dir is only read'],
      [[...produce, '--expected-last-sequence', 'some'], 'not a whole number'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, cwd);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
  });
});

describe('keyop-messenger sk through a hub', () => {
  const authorityHub = (): Promise<{ hub: TestNode; store: StreamStore }> => authorityHubOf(pki, closing);

  function viaHub(hub: TestNode, verb: string, ...rest: string[]): string[] {
    return ['sk', verb, ...operatorFlags(pki, hub), '--space', 'eu', '--segment', 'a', ...rest];
  }

  it('produces stdin as one transaction with a sequence check, and peeks', async () => {
    const { hub, store } = await authorityHub();
    const cwd = tempDir();
    const produced = await runCli(
      viaHub(hub, 'produce', '--expected-last-sequence', '0'),
      cwd,
      '{"n":1}\n\n"two"\n',
    );
    expect(produced).toMatchObject({ code: 0, stderr: '' });
    expect(jsonLines(produced.stdout)).toMatchObject([
      { space: 'eu', segment: 'a', first_sequence: 1, last_sequence: 2 },
    ]);
    const entries = [];
    for await (const e of store.consumeSegment('eu', 'a')) entries.push(e);
    expect(entries.map((e) => [e.sequence, e.data, e.trx.count])).toEqual([
      [1, { n: 1 }, 2],
      [2, 'two', 2],
    ]);

    const records = await runCli(
      viaHub(hub, 'produce', '--expected-last-sequence', 'any', '--records'),
      cwd,
      '{"data_b64":"AQI=","metadata":{"k":"v"},"sequence":3}\n',
    );
    expect(jsonLines(records.stdout)).toMatchObject([{ last_sequence: 3 }]);
    const peek = await runCli(viaHub(hub, 'peek'), cwd);
    expect(peek.code).toBe(0);
    expect(jsonLines(peek.stdout)).toMatchObject([
      { sequence: 3, data_b64: 'AQI=', metadata: { k: 'v' }, origin: 'hub1' },
    ]);
  });

  it('exits 1 on a sequence mismatch printing expected and actual, writing nothing', async () => {
    const { hub, store } = await authorityHub();
    await store.append('eu', 'a', 'first');
    const result = await runCli(viaHub(hub, 'produce', '--expected-last-sequence', '0'), tempDir(), '1\n2\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('eu/a: expected last sequence 0, actual 1');
    expect(result.stderr).toContain('4009');
    expect(store.getSegmentStatus('eu', 'a')?.lastSequence).toBe(1);
  });

  it('exits 1 naming a stdin line that is not JSON, producing nothing', async () => {
    const { hub, store } = await authorityHub();
    const result = await runCli(
      viaHub(hub, 'produce', '--expected-last-sequence', 'any'),
      tempDir(),
      '1\n{oops\n',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stdin line 2 is not JSON');
    expect(store.getSegmentStatus('eu', 'a')).toBeUndefined();
  });

  it('exits 75 when the hub cannot be reached (retryable), 1 when the deadline passes (permanent)', async () => {
    const { hub, store } = await authorityHub();
    await store.close();
    // The hub is up but no authority serves the store: no answer before the deadline (4008).
    const late = await runCli(viaHub(hub, 'peek', '--timeout', '300'), tempDir());
    expect(late.stderr).toMatch(/^error: .*4008/);
    expect(late.code).toBe(1);
    await hub.stop();
    const gone = await runCli(viaHub(hub, 'produce', '--expected-last-sequence', 'any'), tempDir(), '1\n');
    expect(gone.stderr).toContain(`cannot connect to hub ${hub.hubAddr}`);
    expect(gone.stderr).toContain('5003 unavailable');
    expect(gone.code).toBe(75);
  });
});
