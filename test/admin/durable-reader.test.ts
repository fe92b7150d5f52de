// `cat --durable ID` and `tail CHANNEL --durable ID` resume where the reader left off, `--follow`
// and `tail` wait for new records (a spawned daemon, records appended over HTTP).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverDaemons, spawnDaemon, stopCleanly } from '../cli/daemon-process.js';
import { assertCliBuilt, runCli } from '../cli/process.js';
import { send } from '../http/client.js';
import { tempDir } from '../support/temp-dir.js';

beforeAll(() => {
  assertCliBuilt();
});
afterEach(() => {
  killLeftoverDaemons();
});

const json = { 'content-type': 'application/json' };
const payloads = (stdout: string): unknown[] =>
  stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { payload: unknown }).payload);

/** A spawned daemon serving the stream `jobs`; `append(n)` adds `{ n }` to it over HTTP. */
async function daemonWithJobs(prefix: string) {
  const dir = fs.realpathSync(tempDir(prefix));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    `http:\n  listen_addr: 127.0.0.1:0\nstorage:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`,
  );
  const daemon = spawnDaemon(['run', '-c', config], dir);
  const url = `${(await daemon.started).httpUrl as string}/v1/stream/jobs`;
  expect((await send(url, { method: 'PUT', headers: json })).status).toBe(201);
  const append = async (n: number): Promise<void> => {
    expect((await send(url, { method: 'POST', headers: json, body: `{"n":${n}}` })).status).toBe(204);
  };
  return { dir, config, daemon, append };
}

describe('durable readers: cat --durable, tail CHANNEL --durable', () => {
  it('resumes a durable reader where it left off, and follows new records', async () => {
    const { dir, config, daemon, append } = await daemonWithJobs('keyop-durable-cat-');
    await append(0);
    await append(1);
    const cat = (...args: string[]) => runCli(['cat', 'jobs', '--json', '-c', config, ...args], dir);

    expect(payloads((await cat('--durable', 'r1', '--count', '1')).stdout)).toEqual([{ n: 0 }]);
    expect(payloads((await cat('--durable', 'r1')).stdout)).toEqual([{ n: 1 }]);
    expect(payloads((await cat('--durable', 'r1')).stdout)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'data', 'subscribers', 'jobs', 'r1.offset'), 'utf8')).toMatch(
      /^\d+\n$/,
    );

    const following = cat('--durable', 'r1', '--follow', '--count', '1');
    await append(2);
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    expect(payloads(followed.stdout)).toEqual([{ n: 2 }]);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const stopped = await cat('--follow');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('cat --follow needs the running daemon');
  });

  it('tail CHANNEL: --from picks the start, --durable continues where the last run stopped, storing progress as it prints', async () => {
    const { dir, config, daemon, append } = await daemonWithJobs('keyop-durable-tail-');
    await append(0);
    await append(1);
    await append(2);
    const tail = (...args: string[]) => runCli(['tail', 'jobs', '--json', '-c', config, ...args], dir);

    expect(payloads((await tail('--from', 'beginning', '--count', '2')).stdout)).toEqual([
      { n: 0 },
      { n: 1 },
    ]);
    const offsetFile = path.join(dir, 'data', 'subscribers', 'jobs', 't1.offset');
    expect(payloads((await tail('--durable', 't1', '--from', 'beginning', '--count', '1')).stdout)).toEqual([
      { n: 0 },
    ]);
    const afterFirst = Number(fs.readFileSync(offsetFile, 'utf8'));
    expect(afterFirst).toBeGreaterThan(0);
    // The second run continues where the first stopped (its --from applies to a new reader only).
    expect(payloads((await tail('--durable', 't1', '--from', 'beginning', '--count', '2')).stdout)).toEqual([
      { n: 1 },
      { n: 2 },
    ]);
    expect(Number(fs.readFileSync(offsetFile, 'utf8'))).toBeGreaterThan(afterFirst);
    // Caught up, it waits for the next record.
    const following = tail('--durable', 't1', '--count', '1');
    await append(3);
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    expect(payloads(followed.stdout)).toEqual([{ n: 3 }]);
    expect((await tail('--count', '1', '--from', '0')).stdout).toContain('"n":0');

    await stopCleanly(daemon);
    const stopped = await tail('--durable', 't1');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('tail CHANNEL needs the running daemon');
  });
});
