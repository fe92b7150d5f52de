/** A prepared data dir and the CLI calls the admin tests share. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { Messenger } from '../../src/index.js';
import { runCli } from '../cli/process.js';

/**
 * A data dir where subscriber `worker` of `orders` dead-lettered the three messages published
 * (its offset file at the end), plus the offset file of a federation cursor.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  const messenger = await Messenger.open({ storage: { dataDir } });
  const worker = await messenger.subscribe(
    'orders',
    'worker',
    () => {
      throw new Error('handler down');
    },
    { from: 'beginning', maxRetries: 0 },
  );
  for (let n = 0; n < 3; n += 1) await messenger.publish('orders', 'Order', { n });
  await vi.waitFor(() => {
    expect(messenger.stats().channels.orders?.subscribers.worker?.deadLettered).toBe(3);
  });
  await worker.stop();
  await messenger.close();
  fs.writeFileSync(path.join(dataDir, 'subscribers', 'orders', 'fed-peer.offset'), '0\n');
}

/** One row of `channels --json`. */
export interface Channel {
  name: string;
  records: number;
  bytes: number;
}

/** Runs the CLI with `-c <dir>/config.yaml`; its stdout, or a throw naming the exit code and stderr. */
export async function cli(dir: string, args: string[]): Promise<string> {
  const result = await runCli([...args, '-c', path.join(dir, 'config.yaml')], dir);
  if (result.code !== 0) throw new Error(`${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** `channels --json` by name. */
export async function channels(dir: string): Promise<Record<string, Channel>> {
  const list = JSON.parse(await cli(dir, ['channels', '--json'])) as Channel[];
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

/** The details of the `admin` records of the audit log of `dataDir`. */
export function auditDetails(dataDir: string): string[] {
  const file = path.join(dataDir, 'audit', 'audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; detail: string })
    .filter((record) => record.event === 'admin')
    .map((record) => record.detail);
}
