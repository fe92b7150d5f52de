import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { collector } from '../support/messages.js';
import { hubFlags } from './hub-flags.js';
import { CLI_MAIN, PROCESS_WAIT, assertCliBuilt, type ProcessResult } from './process.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'pub', 'tailer', 'stranger']);
});

const nodes: TestNode[] = [];
const children = new Set<ChildProcessWithoutNullStreams>();
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const n of nodes.splice(0)) await n.stop();
});

async function hub(): Promise<TestNode> {
  const node = await startNode({
    name: 'hub1',
    pki,
    hub: { allowedPeers: [{ name: 'pub', publish: ['orders', 'alerts'] }, { name: 'tailer' }] },
  });
  nodes.push(node);
  return node;
}

/** A running CLI process with its output collected. */
interface Cli {
  child: ChildProcessWithoutNullStreams;
  stdoutLines: string[];
  stderr: () => string;
  result: Promise<ProcessResult>;
}

function cli(args: readonly string[], stdin?: string): Cli {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: 'pipe' });
  children.add(child);
  const stdoutLines: string[] = [];
  let stderr = '';
  readline.createInterface({ input: child.stdout }).on('line', (line) => stdoutLines.push(line));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (stdin === undefined) child.stdin.end();
  else child.stdin.end(stdin);
  const result = new Promise<ProcessResult>((resolve) => {
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, stdout: stdoutLines.map((l) => `${l}\n`).join(''), stderr });
    });
  });
  return { child, stdoutLines, stderr: () => stderr, result };
}

describe('keyop-messenger publish', () => {
  it('publishes the JSON argument as the certificate CN and prints the acknowledged id', async () => {
    const h = await hub();
    const got = collector();
    await h.messenger.subscribe('orders', 'sub', got.handler);
    const result = await cli([
      'publish',
      ...hubFlags(pki, h.hubAddr, 'pub'),
      '--channel',
      'orders',
      '--type',
      'Order',
      '--correlation-id',
      'c-1',
      '{"n":1}',
    ]).result;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    await got.waitFor(1);
    expect(got.messages[0]).toMatchObject({
      id: result.stdout.trim(),
      origin: 'pub',
      payloadType: 'Order',
      correlationId: 'c-1',
      payload: { n: 1 },
    });
  });

  it('publishes one message per stdin line, in order, and exits 0 after every ack', async () => {
    const h = await hub();
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i }));
    const result = await cli(
      ['publish', ...hubFlags(pki, h.hubAddr, 'pub'), '--channel', 'orders', '--type', 'Order', '-'],
      `${lines.slice(0, 150).join('\n')}\n\n${lines.slice(150).join('\r\n')}\n`,
    ).result;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const ids = result.stdout.trim().split('\n');
    expect(ids).toHaveLength(300);
    expect(h.messenger.stats().channels['orders']?.messages).toBe(300);
    const got = collector<{ i: number }>();
    await h.messenger.subscribe('orders', 'sub', got.handler, { from: 'beginning' });
    await got.waitFor(300);
    expect(got.messages.map((m) => m.id)).toEqual(ids);
    expect(got.messages.map((m) => m.payload.i)).toEqual(lines.map((_, i) => i));
  });

  it('exits 1 with the reason when the hub refuses a message by policy', async () => {
    const h = await hub();
    const result = await cli([
      'publish',
      ...hubFlags(pki, h.hubAddr, 'pub'),
      '--channel',
      'secrets',
      '--type',
      'S',
      '"x"',
    ]).result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: hub hub1 refused message \S+ on channel "secrets" by policy\n$/);
    expect(h.messenger.stats().channels['secrets']).toBeUndefined();
  });

  it('exits 1 with the reason when the hub refuses the client or cannot be reached', async () => {
    const h = await hub();
    const refused = await cli([
      'publish',
      ...hubFlags(pki, h.hubAddr, 'stranger'),
      '--channel',
      'orders',
      '--type',
      'T',
      '1',
    ]).result;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not in allowlist (close code 4403)');

    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const unreachable = await cli([
      'publish',
      ...hubFlags(pki, `127.0.0.1:${port}`, 'pub'),
      '--channel',
      'orders',
      '--type',
      'T',
      '1',
    ]).result;
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot connect to hub 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('exits 1 on a stdin line that is not JSON, after publishing the lines before it', async () => {
    const h = await hub();
    const result = await cli(
      ['publish', ...hubFlags(pki, h.hubAddr, 'pub'), '--channel', 'orders', '--type', 'T'],
      '1\n2\n{oops\n4\n',
    ).result;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stdin line 3 is not JSON');
    expect(h.messenger.stats().channels['orders']?.messages).toBe(2);
  });

  it('exits 2 on bad usage', async () => {
    const h = await hub();
    const pair = pki.pairs.get('pub')!;
    const cases: { args: string[]; message: string }[] = [
      {
        args: ['publish', ...hubFlags(pki, h.hubAddr, 'pub'), '--channel', 'orders', '--type', 'T', '{nope'],
        message: 'the payload argument is not JSON',
      },
      {
        args: ['publish', ...hubFlags(pki, h.hubAddr, 'pub'), '--channel', 'bad/name', '--type', 'T', '1'],
        message: 'invalid channel name "bad/name"',
      },
      {
        args: [
          'publish',
          '--hub',
          h.hubAddr,
          '--cert',
          pair.certFile,
          '--channel',
          'orders',
          '--type',
          'T',
          '1',
        ],
        message: '--cert, --key and --ca go together',
      },
      {
        args: ['publish', '--hub', h.hubAddr, '--channel', 'orders', '--type', 'T', '1'],
        message: 'instanceName is required without tls',
      },
      {
        args: ['publish', ...hubFlags(pki, 'nowhere', 'pub'), '--channel', 'orders', '--type', 'T', '1'],
        message: 'hubAddr "nowhere": must be host:port',
      },
      {
        args: ['publish', ...hubFlags(pki, h.hubAddr, 'pub'), '--type', 'T', '1'],
        message: "'--channel <channel>'",
      },
      {
        args: ['tail', ...hubFlags(pki, h.hubAddr, 'tailer')],
        message: 'tail needs a CHANNEL of the local daemon, or --hub and --channel',
      },
      {
        args: ['tail', 'alerts', ...hubFlags(pki, h.hubAddr, 'tailer')],
        message: 'tail CHANNEL follows the local daemon; --hub and --channel tail through a hub',
      },
      {
        args: ['tail', ...hubFlags(pki, h.hubAddr, 'tailer'), '--channel', 'alerts', '--count', '0'],
        message: "'--count <n>' argument '0' is invalid. expected a whole number of messages >= 1",
      },
      {
        args: ['tail', ...hubFlags(pki, h.hubAddr, 'tailer'), '--channel', 'alerts', '--from', 'beginning'],
        message: 'tail --hub is live-only',
      },
      {
        args: ['tail', ...hubFlags(pki, h.hubAddr, 'tailer'), '--channel', 'alerts', '--durable', 'r1'],
        message: 'follow a channel of the local daemon: tail CHANNEL --from POSITION | --durable ID',
      },
    ];
    for (const { args, message } of cases) {
      const result = await cli(args).result;
      expect(result, args.join(' ')).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    }
  });
});

describe('keyop-messenger tail', () => {
  it('prints live messages (from the hub and from `publish`) until SIGINT, then exits 0', async () => {
    const h = await hub();
    const tail = cli([
      'tail',
      ...hubFlags(pki, h.hubAddr, 'tailer'),
      '--channel',
      'alerts',
      '--channel',
      'orders',
      '--json',
    ]);
    await vi.waitFor(() => {
      expect(tail.stderr()).toContain(`tail: connected to hub1 at ${h.hubAddr} (channels: alerts, orders)\n`);
    }, PROCESS_WAIT);
    const fromHub = await h.messenger.publish('alerts', 'Alert', { level: 'high' }, { serviceName: 'probe' });
    const published = await cli([
      'publish',
      ...hubFlags(pki, h.hubAddr, 'pub'),
      '--channel',
      'orders',
      '--type',
      'Order',
      '{"n":2}',
    ]).result;
    expect(published.code).toBe(0);
    await vi.waitFor(() => {
      expect(tail.stdoutLines).toHaveLength(2);
    }, PROCESS_WAIT);
    expect(tail.stdoutLines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        v: 1,
        id: fromHub.id,
        ts: expect.any(String) as unknown,
        channel: 'alerts',
        origin: 'hub1',
        payload_type: 'Alert',
        service_name: 'probe',
        payload: { level: 'high' },
      },
      {
        v: 1,
        id: published.stdout.trim(),
        ts: expect.any(String) as unknown,
        channel: 'orders',
        origin: 'pub',
        payload_type: 'Order',
        route: ['hub1'],
        payload: { n: 2 },
      },
    ]);
    expect(tail.stdoutLines.every((line) => line.startsWith('{"v":1,"id":'))).toBe(true);
    tail.child.kill('SIGINT');
    const result = await tail.result;
    expect(result.code).toBe(0);
  });

  it('exits 0 after --count messages, printing no more than that', async () => {
    const h = await hub();
    const tail = cli(['tail', ...hubFlags(pki, h.hubAddr, 'tailer'), '--channel', 'alerts', '--count', '2']);
    await vi.waitFor(() => {
      expect(tail.stderr()).toContain('tail: connected to hub1');
    }, PROCESS_WAIT);
    for (const n of [1, 2, 3]) await h.messenger.publish('alerts', 'Alert', n);
    const result = await tail.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\S+ alerts hub1 Alert 1\n\S+ alerts hub1 Alert 2\n$/);
  });

  it('prints one text line per message, reports reconnects on stderr, and exits 1 when refused', async () => {
    const h = await hub();
    const tail = cli(['tail', ...hubFlags(pki, h.hubAddr, 'tailer'), '--channel', 'alerts']);
    await vi.waitFor(() => {
      expect(tail.stderr()).toContain('tail: connected to hub1');
    }, PROCESS_WAIT);
    const { id } = await h.messenger.publish('alerts', 'Alert', 'disk full');
    await vi.waitFor(() => {
      expect(tail.stdoutLines).toHaveLength(1);
    }, PROCESS_WAIT);
    expect(tail.stdoutLines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z alerts hub1 Alert "disk full"$/);
    expect(id).toBeTruthy();
    await h.stop();
    await vi.waitFor(() => {
      expect(tail.stderr()).toMatch(/tail: disconnected: .*\ntail: reconnecting in \d+ ms \(attempt 1\)\n/);
    }, PROCESS_WAIT);
    tail.child.kill('SIGTERM');
    expect((await tail.result).code).toBe(0);

    await h.restart();
    const refused = await cli(['tail', ...hubFlags(pki, h.hubAddr, 'stranger'), '--channel', 'alerts'])
      .result;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: hub .*not in allowlist \(close code 4403\)\n$/);
  });
});
