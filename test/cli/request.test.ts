import { beforeAll, describe, expect, it } from 'vitest';
import { RpcCloseError, StreamRpc } from '../../src/index.js';
import { makePki, startNode, type TestNode, type TestPki } from '../support/cluster.js';
import { closedAfterEach } from '../support/closing.js';
import { tempDir } from '../support/temp-dir.js';
import { hubFlags } from './hub-flags.js';
import { assertCliBuilt, runCli } from './process.js';

let pki: TestPki;
beforeAll(async () => {
  assertCliBuilt();
  pki = await makePki(['hub1', 'asker']);
});

const closing = closedAfterEach();

async function serving(): Promise<TestNode> {
  const hub = await startNode({
    name: 'hub1',
    pki,
    hub: { allowedPeers: [{ name: 'asker', subscribe: ['_inbox.asker'], publish: ['svc.req'] }] },
  });
  closing.push({ close: () => hub.stop() });
  const rpc = await StreamRpc.open(hub.messenger);
  closing.push(rpc);
  await rpc.serve<{ n: number }>('svc.req', 'list.v1', async (req, writer) => {
    for (let i = 0; i < req.body.n; i++) await writer.write({ item: i });
    await writer.write('last line');
  });
  await rpc.serve('svc.req', 'refuse.v1', () => {
    throw new RpcCloseError(4000, 'no such list');
  });
  await rpc.serve('svc.req', 'leave.v1', (_req, writer) => writer.closeWithCode(1001, 'maintenance'));
  return hub;
}

function args(hub: TestNode, type: string, ...rest: string[]): string[] {
  return ['request', ...hubFlags(pki, hub.hubAddr, 'asker'), '--channel', 'svc.req', '--type', type, ...rest];
}

describe('keyop-messenger request', () => {
  it('prints each response and exits 0 on close 1000', async () => {
    const hub = await serving();
    const json = await runCli(args(hub, 'list.v1', '--json', '{"n":2}'), tempDir());
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(json.stdout).toBe('{"item":0}\n{"item":1}\n"last line"\n');
    const text = await runCli(args(hub, 'list.v1', '{"n":1}'), tempDir());
    expect(text.stdout).toBe('{\n  "item": 0\n}\nlast line\n');
  });

  it('exits 1 with the code and text of a refusal, and 75 for a retryable close', async () => {
    const hub = await serving();
    const refused = await runCli(args(hub, 'refuse.v1'), tempDir());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: stream closed 4000 (bad request): no such list\n');
    const leaving = await runCli(args(hub, 'leave.v1'), tempDir());
    expect(leaving.code).toBe(75);
    expect(leaving.stderr).toContain('stream closed 1001 (going away): maintenance');
  });

  it('reports a bad body or timeout as usage errors', async () => {
    const hub = await serving();
    expect((await runCli(args(hub, 'list.v1', '{oops'), tempDir())).code).toBe(2);
    expect((await runCli(args(hub, 'list.v1', '--timeout', '0'), tempDir())).code).toBe(2);
  });
});
