/**
 * Child process of the `streams` benchmark group: serves Durable Streams on 127.0.0.1 (a free port)
 * and prints `streams-bench-url <url>` on stdout once listening; stops on SIGTERM or when stdin closes.
 *
 * Usage: `streams-server.js ours <dataDir> <always|periodic>` | `ref-file <dataDir>` | `ref-memory` |
 * `tail-floor` | `append-floor <dataDir>` (see floor-server.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DurableStreamTestServer } from '@durable-streams/server';
import { Messenger, startHttpEndpoint } from '../src/index.js';
import { startFloorServer } from './floor-server.js';

const [mode = 'ours', dataDir, policy] = process.argv.slice(2);
const LONG_POLL_TIMEOUT_MS = 30_000;

let stop: () => Promise<void>;
let url: string;
if (mode === 'ours') {
  if (dataDir === undefined) throw new Error('ours needs a data dir');
  const messenger = await Messenger.open({
    name: 'bench',
    storage: { dataDir, syncPolicy: policy === 'periodic' ? 'periodic' : 'always' },
  });
  const endpoint = await startHttpEndpoint(messenger, {
    listenAddr: '127.0.0.1:0',
    longPollTimeoutMs: LONG_POLL_TIMEOUT_MS,
  });
  url = endpoint.url;
  stop = async () => {
    await endpoint.close();
    await messenger.close();
  };
} else if (mode === 'tail-floor') {
  ({ url, stop } = await startFloorServer());
} else if (mode === 'append-floor') {
  if (dataDir === undefined) throw new Error('append-floor needs a data dir');
  fs.mkdirSync(dataDir, { recursive: true });
  ({ url, stop } = await startFloorServer({ syncFile: path.join(dataDir, 'appends.jsonl') }));
} else {
  const server = new DurableStreamTestServer({
    port: 0,
    host: '127.0.0.1',
    longPollTimeout: LONG_POLL_TIMEOUT_MS,
    ...(mode === 'ref-file' && dataDir !== undefined ? { dataDir } : {}),
  });
  url = await server.start();
  stop = () => server.stop();
}

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void stop().finally(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
process.stdout.write(`streams-bench-url ${url}\n`);
