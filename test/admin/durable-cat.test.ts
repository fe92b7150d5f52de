// `cat --durable ID` resumes where the reader left off, `--follow` waits for new records (a spawned
// daemon, records appended over HTTP).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverDaemons, spawnDaemon } from '../cli/daemon-process.js';
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

describe('cat --durable and --follow', () => {
  it('resumes a durable reader where it left off, and follows new records', async () => {
    const dir = fs.realpathSync(tempDir('keyop-durable-cat-'));
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
});
