/**
 * `delete CHANNEL`: against a spawned daemon (refused while the channel is in use or backs a Durable
 * Stream; then the channel, its offset files and its dead letters go, a publish starts it afresh and
 * other channels keep every byte) and against its stopped data dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { messengerHost } from '../../cmd/keyop-messenger/admin/hosts.js';
import { runAdminRequest } from '../../internal/admin/index.js';
import { silentLogger } from '../../internal/logger/index.js';
import { ErrorCode, Messenger } from '../../src/index.js';
import { killLeftoverDaemons, spawnDaemon, stopCleanly } from '../cli/daemon-process.js';
import { assertCliBuilt, runCli } from '../cli/process.js';
import { send } from '../http/client.js';
import { connected, nodesStoppedAfterEach } from '../support/cluster.js';
import { tempDir } from '../support/temp-dir.js';
import { auditDetails, channels, cli, prepareDataDir } from './fixture.js';

beforeAll(() => {
  assertCliBuilt();
});
afterEach(() => {
  killLeftoverDaemons();
});
const node = nodesStoppedAfterEach();

/** `orders` as {@link prepareDataDir} leaves it, and `other` with two records and the reader `keep`. */
async function prepare(dir: string): Promise<string> {
  const dataDir = path.join(dir, 'data');
  await prepareDataDir(dataDir);
  const messenger = await Messenger.open({ storage: { dataDir } });
  await messenger.publish('other', 'Other', { n: 1 });
  await messenger.publish('other', 'Other', { n: 2 });
  await messenger.close();
  fs.mkdirSync(path.join(dataDir, 'subscribers', 'other'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'subscribers', 'other', 'keep.offset'), '0\n');
  return dataDir;
}

/** Every file under `dir` with its content, to show that nothing of it changed. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return [path.relative(dir, file), fs.readFileSync(file, 'base64')];
      }),
  );
}

function untouched(dataDir: string): Record<string, string> {
  return {
    ...filesOf(path.join(dataDir, 'channels', 'other')),
    ...filesOf(path.join(dataDir, 'subscribers', 'other')),
  };
}

async function deleteFails(dir: string, channel: string): Promise<string> {
  const result = await runCli(['delete', channel, '--yes', '-c', path.join(dir, 'config.yaml')], dir);
  expect(result.code, result.stdout).toBe(1);
  return result.stderr;
}

describe('delete CHANNEL', () => {
  it('on a running daemon: refused while in use or backing a stream, else the channel, its offsets and dead letters go', async () => {
    const dir = fs.realpathSync(tempDir('keyop-delete-'));
    const dataDir = await prepare(dir);
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      [
        'name: hub1',
        'http:\n  listen_addr: 127.0.0.1:0',
        `storage:\n  data_dir: ${JSON.stringify(dataDir)}`,
        'hub:\n  enabled: true\n  listen_addr: 127.0.0.1:0',
        'federation:\n  insecure_plaintext: true',
        '',
      ].join('\n'),
    );
    const daemon = spawnDaemon(['run', '-c', path.join(dir, 'config.yaml')], dir);
    const started = await daemon.started;

    const stream = `${started.httpUrl as string}/v1/stream/jobs`;
    expect((await send(stream, { method: 'PUT' })).status).toBe(201);
    expect(await deleteFails(dir, 'jobs')).toContain('holds the data of Durable Stream(s) jobs');

    // A peer the hub sends `other` to, and that publishes `orders` to the hub.
    const peer = await node({
      name: 'a',
      hubs: [{ addr: started.hubAddr as string, subscribe: ['other'], publish: ['orders'] }],
    });
    await connected(peer);
    await vi.waitFor(async () => {
      const stats = JSON.parse(await cli(dir, ['stats', '--json'])) as {
        federation: { hub: { peers: string[] } };
      };
      expect(stats.federation.hub.peers).toEqual(['a']);
    });
    expect(await deleteFails(dir, 'other')).toContain(
      'channel "other" is in use in the running daemon (other: hub sending it to peer a',
    );
    const other = untouched(dataDir); // with the peer's cursor, fed-a

    const unconfirmed = await runCli(['delete', 'orders', '-c', path.join(dir, 'config.yaml')], dir);
    expect(unconfirmed.code).toBe(2);
    expect(await cli(dir, ['delete', 'orders', '--yes'])).toMatch(
      /^deleted orders: \d+ bytes in 1 segment\(s\), 2 offset file\(s\)\ndeleted orders\.dead-letter: \d+ bytes in 1 segment\(s\), 0 offset file\(s\)\n$/,
    );
    expect(Object.keys(await channels(dir))).toEqual(['jobs', 'other']);
    for (const gone of ['channels/orders', 'channels/orders.dead-letter', 'subscribers/orders'])
      expect(fs.existsSync(path.join(dataDir, gone)), gone).toBe(false);
    expect(untouched(dataDir)).toEqual(other);
    expect(await deleteFails(dir, 'orders')).toContain('channel "orders" does not exist');

    // A publish after the delete starts a fresh channel: offset 0, no subscribers.
    await peer.messenger.publish('orders', 'Order', { n: 9 });
    await vi.waitFor(async () => {
      expect((await channels(dir)).orders).toMatchObject({ records: 1, startOffset: 0 });
    });
    expect((await cli(dir, ['cat', 'orders'])).trim()).toMatch(/^0 \S+ a Order \{"n":9\}$/);
    expect(JSON.parse(await cli(dir, ['subscribers', 'orders', '--json']))).toEqual([]);
    expect(untouched(dataDir)).toEqual(other);

    expect(auditDetails(dataDir)).toEqual([
      expect.stringMatching(/^deleted: orders \(\d+ bytes .*\), orders\.dead-letter \(.*\) \(daemon\)$/),
    ]);
    const logged = daemon.lines.find((line) => line.msg === 'admin action');
    expect(logged).toMatchObject({ channel: 'orders' });
    expect(logged?.detail).toMatch(/^deleted: orders /);
    await stopCleanly(daemon);
  });

  it('on a stopped data dir: deletes under the lock, audited, and a later publish starts afresh', async () => {
    const dir = fs.realpathSync(tempDir('keyop-delete-stopped-'));
    const dataDir = await prepare(dir);
    const other = untouched(dataDir);
    fs.writeFileSync(path.join(dir, 'config.yaml'), `storage:\n  data_dir: ${JSON.stringify(dataDir)}\n`);

    expect(await cli(dir, ['delete', 'orders', '--yes', '--json'])).toMatch(/"name":"orders\.dead-letter"/);
    expect(Object.keys(await channels(dir))).toEqual(['other']);
    expect(fs.existsSync(path.join(dataDir, 'subscribers', 'orders'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    expect(untouched(dataDir)).toEqual(other);
    expect(auditDetails(dataDir)).toEqual([expect.stringMatching(/^deleted: orders .*\(offline\)$/)]);

    const messenger = await Messenger.open({ storage: { dataDir } });
    await messenger.publish('orders', 'Order', { n: 1 });
    expect(messenger.stats().channels.orders).toMatchObject({ startOffset: 0, subscribers: {} });
    await messenger.close();
  });

  it('is refused while a subscriber of the daemon delivers from the channel, and done once it stopped', async () => {
    const messenger = await Messenger.open({
      storage: { dataDir: path.join(tempDir('keyop-delete-active-'), 'data') },
    });
    const opened = messengerHost(messenger, 'daemon', silentLogger);
    try {
      const sub = await messenger.subscribe('jobs', 'w', () => undefined);
      await messenger.publish('jobs', 'Job', { n: 1 });
      const remove = { verb: 'delete', channel: 'jobs' } as const;
      await expect(runAdminRequest(opened.host, remove)).rejects.toMatchObject({
        code: ErrorCode.ADMIN_REFUSED,
        message: expect.stringContaining('(jobs: subscriber w delivering') as string,
      });
      await sub.stop();
      expect(await runAdminRequest(opened.host, remove)).toMatchObject({
        channels: [{ name: 'jobs', subscribers: ['w'] }],
      });
      await messenger.publish('jobs', 'Job', { n: 2 });
      expect(messenger.stats().channels.jobs).toMatchObject({ startOffset: 0, subscribers: {} });
    } finally {
      await opened.close();
      await messenger.close();
    }
  });
});
