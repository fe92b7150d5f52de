/**
 * The admin verbs of the real CLI, against a spawned daemon (through its admin socket) and against
 * its data dir once stopped (read-only, or locked for a write verb).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverDaemons, spawnDaemon, stopCleanly } from '../cli/daemon-process.js';
import { assertCliBuilt, runCli } from '../cli/process.js';
import { tempDir } from '../support/temp-dir.js';
import { auditDetails, channels, cli, prepareDataDir, type Channel } from './fixture.js';

beforeAll(() => {
  assertCliBuilt();
});
afterEach(() => {
  killLeftoverDaemons();
});

describe('admin verbs', () => {
  it('list, read, move offsets, replay dead letters and purge on a running daemon, then on its stopped data dir', async () => {
    const dir = fs.realpathSync(tempDir('keyop-admin-'));
    const dataDir = path.join(dir, 'data');
    await prepareDataDir(dataDir);
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      `http:\n  listen_addr: 127.0.0.1:0\nstorage:\n  data_dir: ${JSON.stringify(dataDir)}\n`,
    );
    const daemon = spawnDaemon(['run', '-c', path.join(dir, 'config.yaml')], dir);
    await daemon.started;
    expect(fs.statSync(path.join(dataDir, 'admin.sock')).mode & 0o777).toBe(0o600);

    const before = await channels(dir);
    expect(before.orders?.records).toBe(3);
    expect(before['orders.dead-letter']?.records).toBe(3);
    const subscribers = JSON.parse(await cli(dir, ['subscribers', 'orders', '--json'])) as {
      id: string;
      offset: number;
      lagRecords: number;
    }[];
    expect(subscribers).toEqual([
      expect.objectContaining({ id: 'fed-peer', offset: 0, lagRecords: 3 }),
      expect.objectContaining({ id: 'worker', offset: before.orders?.bytes, lagRecords: 0, active: false }),
    ]);

    // cat: envelopes as stored, from the beginning or from an offset, --count pages.
    const lines = (await cli(dir, ['cat', 'orders', '--json', '--count', '2'])).trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { payload: unknown }).payload)).toEqual([
      { n: 0 },
      { n: 1 },
    ]);
    const second = Buffer.byteLength(`${lines[0]}\n`);
    const text = await cli(dir, ['cat', 'orders', '--from', String(second)]);
    const textLines = text.trim().split('\n');
    expect(textLines).toHaveLength(2);
    expect(textLines[0]).toMatch(new RegExp(`^${second} \\S+ \\S+ Order \\{"n":1\\}$`));
    expect(textLines[1]).toMatch(/ Order \{"n":2\}$/);

    // The daemon's federation owns its cursors.
    const refused = await runCli(
      ['offset', 'set', 'orders', 'fed-peer', 'end', '-c', path.join(dir, 'config.yaml')],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is a federation cursor');

    expect(await cli(dir, ['offset', 'reset', 'orders', 'worker'])).toBe(
      `worker: offset ${before.orders?.bytes} -> 0\n`,
    );
    expect(await cli(dir, ['dead-letter', 'replay', 'orders'])).toBe('replayed 3 message(s) to orders\n');
    const replayed = await channels(dir);
    expect(replayed.orders?.records).toBe(6);
    expect(replayed['orders.dead-letter']?.records).toBe(0);
    const again = (await cli(dir, ['cat', 'orders', '--json', '--from', String(before.orders?.bytes)]))
      .trim()
      .split('\n');
    expect(again.map((line) => (JSON.parse(line) as { payload: unknown }).payload)).toEqual([
      { n: 0 },
      { n: 1 },
      { n: 2 },
    ]);

    const noConfirm = await runCli(['purge', 'orders.dead-letter', '-c', path.join(dir, 'config.yaml')], dir);
    expect(noConfirm.code).toBe(2);
    expect(await cli(dir, ['purge', 'orders', '--yes'])).toMatch(
      /^purged orders: \d+ bytes in 1 segment\(s\)\n$/,
    );
    expect((await channels(dir)).orders?.records).toBe(0);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'admin.sock'))).toBe(false);

    // Stopped: read verbs read without a lock; write verbs take it for their time.
    expect(Object.keys(await channels(dir))).toEqual(['orders', 'orders.dead-letter']);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
    expect(await cli(dir, ['unsubscribe', 'orders', 'worker'])).toContain('unsubscribed worker from orders');
    expect(fs.existsSync(path.join(dataDir, 'subscribers', 'orders', 'worker.offset'))).toBe(false);
    const missing = await runCli(
      ['unsubscribe', 'orders', 'worker', '-c', path.join(dir, 'config.yaml')],
      dir,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no subscriber "worker"');

    expect(auditDetails(dataDir)).toEqual([
      expect.stringMatching(/^offset set from \d+ to 0 .*\(daemon\)$/),
      expect.stringMatching(/^dead letters replayed: 3 appended.*\(daemon\)$/),
      expect.stringMatching(/^purged: .*\(daemon\)$/),
      expect.stringMatching(/^unsubscribed .*\(offline\)$/),
    ]);
  });

  it('stats, subscribers, cat, offset, dead-letter replay and purge on a stopped data dir; unsubscribe of a disk-only subscriber on a running daemon', async () => {
    const dir = fs.realpathSync(tempDir('keyop-admin-both-'));
    const dataDir = path.join(dir, 'data');
    await prepareDataDir(dataDir);
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      `http:\n  listen_addr: 127.0.0.1:0\nstorage:\n  data_dir: ${JSON.stringify(dataDir)}\n`,
    );

    const stats = JSON.parse(await cli(dir, ['stats', '--json'])) as { channels: Channel[] };
    expect(stats.channels.map((c) => [c.name, c.records])).toEqual([
      ['orders', 3],
      ['orders.dead-letter', 3],
    ]);
    const subscribers = JSON.parse(await cli(dir, ['subscribers', 'orders', '--json'])) as { id: string }[];
    expect(subscribers.map((s) => s.id)).toEqual(['fed-peer', 'worker']);
    const first = JSON.parse(
      await cli(dir, ['cat', 'orders', '--json', '--from', '2000-01-01T00:00:00Z', '--count', '1']),
    ) as {
      payload: unknown;
    };
    expect(first.payload).toEqual({ n: 0 });
    expect(await cli(dir, ['offset', 'set', 'orders', 'worker', 'beginning'])).toMatch(
      /^worker: offset \d+ -> 0\n$/,
    );
    expect(await cli(dir, ['dead-letter', 'replay', 'orders'])).toBe('replayed 3 message(s) to orders\n');
    expect((await channels(dir))['orders.dead-letter']?.records).toBe(0);
    expect(await cli(dir, ['purge', 'orders', '--yes'])).toMatch(/^purged orders: \d+ bytes/);
    expect((await channels(dir)).orders?.records).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);

    const daemon = spawnDaemon(['run', '-c', config], dir);
    await daemon.started;
    expect(await cli(dir, ['unsubscribe', 'orders', 'worker'])).toBe(
      'unsubscribed worker from orders (it was at offset 0)\n',
    );
    expect(fs.existsSync(path.join(dataDir, 'subscribers', 'orders', 'worker.offset'))).toBe(false);
    const cursor = await runCli(['unsubscribe', 'orders', 'fed-peer', '-c', config], dir);
    expect(cursor.code).toBe(1);
    expect(cursor.stderr).toContain('is a federation cursor');
    await stopCleanly(daemon);
    expect(auditDetails(dataDir)).toEqual([
      expect.stringMatching(/^offset set from \d+ to 0 .*\(offline\)$/),
      expect.stringMatching(/^dead letters replayed: 3 appended.*\(offline\)$/),
      expect.stringMatching(/^purged: .*\(offline\)$/),
      expect.stringMatching(/^unsubscribed \(offset file at 0 removed\) \(daemon\)$/),
    ]);
  });

  it('says so when the data dir does not exist', async () => {
    const dir = fs.realpathSync(tempDir('keyop-admin-none-'));
    fs.writeFileSync(
      path.join(dir, 'config.yaml'),
      `storage:\n  data_dir: ${JSON.stringify(path.join(dir, 'nope'))}\n`,
    );
    const result = await runCli(['channels', '-c', path.join(dir, 'config.yaml')], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no data dir at ${path.join(dir, 'nope')}`);
    expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
  });
});
