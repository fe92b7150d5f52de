// Streamkit stores hosted by `keyop-messenger run` from `streamkit.stores`: an authority daemon and a
// replica daemon as real processes, reached by `keyop-messenger sk` through the hub.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makePki, type TestPki } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { killLeftoverDaemons, spawnDaemon, type DaemonProcess } from './daemon-process.js';
import { assertCliBuilt, PROCESS_WAIT, runCli } from './process.js';
import { operatorFlags } from './sk-hub-fixture.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'replica', 'operator']);
});
afterEach(() => {
  killLeftoverDaemons();
});

/** The YAML of daemon `name` hosting store `orders`, its data dir in `dir`. */
function daemonConfig(dir: string, name: string, extra: string): string {
  const pair = pki.pairs.get(name)!;
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      'storage:',
      `  data_dir: ${path.join(dir, name)}`,
      '  sync_policy: always',
      'http:',
      '  listen_addr: 127.0.0.1:0',
      'tls:',
      `  cert: ${pair.certFile}`,
      `  key: ${pair.keyFile}`,
      `  ca: ${pki.ca}`,
      'federation:',
      '  reconnect_base_ms: 50',
      '  reconnect_max_ms: 200',
      extra,
    ].join('\n'),
  );
  return file;
}

/** The authority `hub1` of store `orders`, serving the operator and the replica. */
function authorityConfig(dir: string): string {
  return daemonConfig(
    dir,
    'hub1',
    [
      'hub:',
      '  enabled: true',
      '  listen_addr: 127.0.0.1:0',
      '  allowed_peers:',
      '    - { name: operator, subscribe: [_inbox.operator], publish: [sk.orders._req] }',
      '    - { name: replica, subscribe: [sk.orders.>, _inbox.replica], publish: [sk.orders._req] }',
      'streamkit:',
      '  stores:',
      '    - name: orders',
    ].join('\n'),
  );
}

/** The replica `replica` of store `orders`, following hub1 at `hubAddr`. */
function replicaConfig(dir: string, hubAddr: string): string {
  return daemonConfig(
    dir,
    'replica',
    [
      'client:',
      '  enabled: true',
      '  hubs:',
      `    - { addr: "${hubAddr}", subscribe: [sk.orders.>, _inbox.replica], publish: [sk.orders._req] }`,
      'streamkit:',
      '  stores:',
      '    - { name: orders, authority: hub1 }',
    ].join('\n'),
  );
}

/** The `keyop-messenger started` line's hub address ('' without a hub), once it is logged. */
async function started(daemon: DaemonProcess): Promise<string> {
  await daemon.started;
  const line = await vi.waitFor(() => {
    const found = daemon.lines.find((l) => l.msg === 'keyop-messenger started');
    expect(found).toBeDefined();
    return found!;
  }, PROCESS_WAIT);
  expect(line['stores']).toEqual(['orders']);
  return (line['hubAddr'] as string | undefined) ?? '';
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.child.kill('SIGTERM');
  expect(await daemon.exited).toBe(0);
}

function operator(hubAddr: string, ...verb: string[]): string[] {
  return ['sk', ...verb, ...operatorFlags(pki, { hubAddr })];
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function produce(dir: string, hubAddr: string, segment: string, lines: string): Promise<void> {
  const result = await runCli(
    [
      ...operator(hubAddr, 'produce', '--space', 'eu', '--segment', segment),
      '--expected-last-sequence',
      'any',
    ],
    dir,
    lines,
  );
  expect(result).toMatchObject({ code: 0, stderr: '' });
}

/** Records of `channel` on the running daemon of `config`, through its admin socket. */
async function channelRecords(dir: string, config: string, channel: string): Promise<number> {
  const listed = await runCli(['channels', '--json', '-c', config], dir);
  const channels = JSON.parse(listed.stdout) as { name: string; records: number }[];
  return channels.find((c) => c.name === channel)?.records ?? 0;
}

/** Waits until the running daemon of `config` holds `count` records of space `eu`. */
async function untilRecords(dir: string, config: string, count: number): Promise<void> {
  await vi.waitFor(async () => {
    expect(await channelRecords(dir, config, 'sk.orders.eu')).toBe(count);
  }, PROCESS_WAIT);
}

describe('keyop-messenger run with streamkit.stores', () => {
  it('serves produce and peek through the hub, and a replica daemon follows the space', async () => {
    const dir = tempDir();
    const hub = spawnDaemon(['run', '-c', authorityConfig(dir)], dir);
    const hubAddr = await started(hub);
    const replicaFile = replicaConfig(dir, hubAddr);
    const replica = spawnDaemon(['run', '-c', replicaFile], dir);
    await started(replica);

    await produce(dir, hubAddr, 'a', '{"n":1}\n{"n":2}\n');
    const peek = await runCli(operator(hubAddr, 'peek', '--space', 'eu', '--segment', 'a'), dir);
    expect(jsonLines(peek.stdout)).toMatchObject([{ sequence: 2, data: { n: 2 }, origin: 'hub1' }]);
    await untilRecords(dir, replicaFile, 2);
    await stop(replica);
    await stop(hub);

    const read = (name: string): Promise<{ stdout: string }> =>
      runCli(
        ['sk', 'consume', '--data-dir', path.join(dir, name), '--store', 'orders', '--space', 'eu'],
        dir,
      );
    const onReplica = jsonLines((await read('replica')).stdout);
    expect(onReplica.map((e) => [e['position'], e['sequence'], e['data']])).toEqual([
      [1, 1, { n: 1 }],
      [2, 2, { n: 2 }],
    ]);
    expect(onReplica).toEqual(jsonLines((await read('hub1')).stdout));
  });

  it('brings a replica that joins late, then misses commits while stopped, to the same space', async () => {
    const dir = tempDir();
    const hub = spawnDaemon(['run', '-c', authorityConfig(dir)], dir);
    const hubAddr = await started(hub);
    // Committed before the replica ever connects: the hub sends a retained channel from its start.
    await produce(dir, hubAddr, 'a', '1\n2\n');
    const replicaFile = replicaConfig(dir, hubAddr);
    const first = spawnDaemon(['run', '-c', replicaFile], dir);
    await started(first);
    await untilRecords(dir, replicaFile, 2);
    await stop(first);

    // Committed while the replica is stopped: sent from its stored offset when it is back.
    await produce(dir, hubAddr, 'a', '3\n');
    await produce(dir, hubAddr, 'b', '4\n5\n');
    const second = spawnDaemon(['run', '-c', replicaFile], dir);
    await started(second);
    await untilRecords(dir, replicaFile, 5);
    await stop(second);
    await stop(hub);

    const read = async (name: string, ...rest: string[]): Promise<Record<string, unknown>[]> =>
      jsonLines(
        (
          await runCli(
            ['sk', ...rest, '--data-dir', path.join(dir, name), '--store', 'orders', '--authority', 'hub1'],
            dir,
          )
        ).stdout,
      );
    const onReplica = await read('replica', 'consume', '--space', 'eu');
    expect(onReplica.map((e) => [e['position'], e['segment'], e['sequence'], e['data']])).toEqual([
      [1, 'a', 1, 1],
      [2, 'a', 2, 2],
      [3, 'a', 3, 3],
      [4, 'b', 1, 4],
      [5, 'b', 2, 5],
    ]);
    expect(onReplica).toEqual(await read('hub1', 'consume', '--space', 'eu'));
    expect(await read('replica', 'status', '--space', 'eu')).toEqual(
      await read('hub1', 'status', '--space', 'eu'),
    );
  });

  it('repairs a gap the hub left: the replica asks the authority for the missing position', async () => {
    const dir = tempDir();
    const hubFile = authorityConfig(dir);
    let hub = spawnDaemon(['run', '-c', hubFile], dir);
    let hubAddr = await started(hub);
    /** Moves the hub's federation cursor for the replica on space `eu` (the hub stopped), then restarts it. */
    const moveCursor = async (...verb: string[]): Promise<void> => {
      await stop(hub);
      const moved = await runCli(['offset', ...verb, '-c', hubFile], dir);
      expect(moved).toMatchObject({ code: 0, stderr: '' });
      hub = spawnDaemon(['run', '-c', hubFile], dir);
      hubAddr = await started(hub);
    };
    /** Runs the replica until it holds `count` records of space `eu`; returns its log lines. */
    const runReplica = async (count: number): Promise<DaemonProcess> => {
      const file = replicaConfig(dir, hubAddr);
      const replica = spawnDaemon(['run', '-c', file], dir);
      await started(replica);
      await untilRecords(dir, file, count);
      return replica;
    };
    const positions = async (name: string): Promise<unknown[]> => {
      const out = await runCli(
        [
          'sk',
          'consume',
          '--data-dir',
          path.join(dir, name),
          '--store',
          'orders',
          '--space',
          'eu',
          '--authority',
          'hub1',
        ],
        dir,
      );
      return jsonLines(out.stdout).map((e) => e['position']);
    };

    await produce(dir, hubAddr, 'a', '1\n2\n');
    await stop(await runReplica(2));
    // Position 3 is skipped for the replica: the hub's cursor is moved past it while the replica is away.
    await produce(dir, hubAddr, 'a', '3\n');
    await moveCursor('set', 'sk.orders.eu', 'fed-replica', 'end');
    await produce(dir, hubAddr, 'a', '4\n');
    // 4 arrives right after 2: the replica holds it, asks hub1 for 3 and writes it (4 records).
    const gapped = await runReplica(4);
    const gap = await vi.waitFor(() => {
      const line = gapped.lines.find((l) => l.msg.startsWith('gap in the space channel'));
      expect(line).toBeDefined();
      return line!;
    }, PROCESS_WAIT);
    expect(gap).toMatchObject({ err: { wireCode: 4090 }, missingFrom: 3, missingTo: 3 });
    await vi.waitFor(() => {
      expect(gapped.lines.some((l) => l.msg.startsWith('gap repaired'))).toBe(true);
    }, PROCESS_WAIT);
    await stop(gapped);
    await stop(hub);
    expect(await positions('replica')).toEqual([1, 2, 3, 4]);
  });

  it('keeps a lease across a SIGKILL and a restart of the authority daemon', async () => {
    const dir = tempDir();
    const config = authorityConfig(dir);
    const first = spawnDaemon(['run', '-c', config], dir);
    const firstAddr = await started(first);
    const acquired = await runCli(
      [...operator(firstAddr, 'lease', 'acquire', 'job'), '--holder', 'a', '--ttl', '600'],
      dir,
    );
    expect(jsonLines(acquired.stdout)).toMatchObject([{ key: 'job', holder: 'a', fence: 1 }]);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = spawnDaemon(['run', '-c', config], dir);
    const secondAddr = await started(second);
    const refused = await runCli(
      [...operator(secondAddr, 'lease', 'acquire', 'job'), '--holder', 'b', '--ttl', '60'],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('held by "a"');
    const shown = await runCli(operator(secondAddr, 'lease', 'show'), dir);
    expect(jsonLines(shown.stdout)).toMatchObject([{ key: 'job', holder: 'a', fence: 1 }]);
    await stop(second);
  });
});
