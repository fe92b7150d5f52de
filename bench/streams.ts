/**
 * Group `streams`: Durable Streams over HTTP, ours side by side with the reference server
 * (`@durable-streams/server`, file-backed and in memory), each in its own child process and driven by
 * the same client. Messages are 200-byte JSON objects; every figure is the median of several runs,
 * alternating the servers run by run so that machine noise hits both alike. Each append rate comes
 * with its appends' POST → answer latency (`<metric>.ack_p50_us`, `.ack_p99_us`).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AppendConnection } from './append-connection.js';
import {
  ackedRateValues,
  benchDir,
  cleanup,
  concurrentThroughput,
  measureAcks,
  percentile,
  repeat,
  withAckUnits,
  type AckedRate,
  type GroupOptions,
  type Metrics,
} from './measure.js';

const MESSAGE_BYTES = 200;
const JSON_TYPE = 'application/json';
const TAIL_RATE_PER_S = 200;
const SEED_BATCH = 1000;
/** The child prints `URL_MARKER <url>` once it listens (other lines are the servers' own logs). */
export const URL_MARKER = 'streams-bench-url';

/** The servers of the group, and the arguments of streams-server.js that start each in `dir`. */
const SERVER_ARGS = {
  'ours-always': (dir: string) => ['ours', dir, 'always'],
  'ours-periodic': (dir: string) => ['ours', dir, 'periodic'],
  'ref-file': (dir: string) => ['ref-file', dir],
  'ref-memory': () => ['ref-memory'],
  'tail-floor': () => ['tail-floor'],
  'append-floor': (dir: string) => ['append-floor', dir],
} as const;

type ServerMode = keyof typeof SERVER_ARGS;

interface Server {
  mode: ServerMode;
  url: URL;
  stop(): Promise<void>;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let streamCounter = 0;

/** Starts a server child process; resolves once it prints its URL. */
async function startServer(mode: ServerMode): Promise<Server> {
  const dir = benchDir(`streams-${mode}`);
  const script = fileURLToPath(new URL('./streams-server.js', import.meta.url));
  const args = SERVER_ARGS[mode](dir);
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith(URL_MARKER)) resolve(line.slice(URL_MARKER.length).trim());
    });
    child.once('exit', (code) => {
      reject(new Error(`${mode} server exited (${code ?? 'signal'}) before listening`));
    });
  });
  return {
    mode,
    url: new URL(url),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      lines.close();
      cleanup(dir);
    },
  };
}

function request(
  server: Server,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: server.url.hostname,
        port: server.url.port,
        method,
        path,
        agent,
        headers: {
          'accept-encoding': 'identity',
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One JSON message of exactly {@link MESSAGE_BYTES} bytes. */
function message(seq: number, t: number): string {
  const bare = JSON.stringify({ seq, t, pad: '' });
  return JSON.stringify({ seq, t, pad: 'x'.repeat(Math.max(0, MESSAGE_BYTES - bare.length)) });
}

async function createStream(server: Server, label: string): Promise<string> {
  const path = `/v1/stream/bench-${label}-${process.pid}-${++streamCounter}`;
  const reply = await request(server, 'PUT', path, { 'content-type': JSON_TYPE });
  if (reply.status !== 201) throw new Error(`PUT ${path} on ${server.mode}: ${reply.status}`);
  return path;
}

async function append(server: Server, path: string, body: string): Promise<void> {
  const reply = await request(server, 'POST', path, { 'content-type': JSON_TYPE }, body);
  if (reply.status !== 204 && reply.status !== 200)
    throw new Error(`POST on ${server.mode}: ${reply.status}`);
}

function headerOf(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Appends per second with `writers` concurrent writers on one stream, each on its own
 * {@link AppendConnection}, with each append's POST → answer latency.
 */
async function appendRate(server: Server, writers: number, ms: number): Promise<AckedRate> {
  const path = await createStream(server, 'append');
  for (let i = 0; i < 20; i++) await append(server, path, message(i, 0));
  const connections = await Promise.all(
    Array.from({ length: writers }, () => AppendConnection.open(server.url)),
  );
  const sent = new Array<number>(writers).fill(0);
  const post = async (w: number): Promise<void> => {
    const status = await connections[w]!.post(path, JSON_TYPE, message(w * 1e9 + sent[w]!++, 0));
    if (status !== 204 && status !== 200) throw new Error(`POST on ${server.mode}: ${status}`);
  };
  let result: AckedRate;
  try {
    result = await measureAcks((acks) => concurrentThroughput(ms, writers, post, acks));
  } finally {
    for (const connection of connections) connection.close();
  }
  await request(server, 'DELETE', path);
  return result;
}

/** Seeds `messages` messages with batched appends. */
async function seed(server: Server, path: string, messages: number): Promise<void> {
  for (let done = 0; done < messages; done += SEED_BATCH) {
    const batch = Array.from({ length: Math.min(SEED_BATCH, messages - done) }, (_, i) =>
      message(done + i, 0),
    );
    await append(server, path, `[${batch.join(',')}]`);
  }
}

/** Reads the whole stream from the start, following Stream-Next-Offset; returns body bytes. */
async function fullRead(server: Server, path: string): Promise<number> {
  let offset = '-1';
  let bytes = 0;
  for (;;) {
    const reply = await request(server, 'GET', `${path}?offset=${encodeURIComponent(offset)}`);
    if (reply.status !== 200) throw new Error(`catch-up GET on ${server.mode}: ${reply.status}`);
    bytes += reply.body.length;
    offset = headerOf(reply, 'stream-next-offset') ?? offset;
    if (headerOf(reply, 'stream-up-to-date') === 'true') return bytes;
  }
}

/** Catch-up throughput (MB/s of response body) over repeated full reads for about `ms`. */
async function catchupRate(server: Server, path: string, ms: number): Promise<number> {
  let bytes = 0;
  const start = performance.now();
  do bytes += await fullRead(server, path);
  while (performance.now() - start < ms);
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

/** A writer pacing stamped messages at {@link TAIL_RATE_PER_S} for `ms`; returns how many it sent. */
async function pacedWriter(server: Server, path: string, ms: number): Promise<number> {
  const interval = 1000 / TAIL_RATE_PER_S;
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < ms) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await append(server, path, message(i++, performance.now()));
  }
  return i;
}

function latencies(body: Buffer, receivedAt: number, into: number[]): void {
  if (body.length === 0) return;
  for (const m of JSON.parse(body.toString('utf8')) as { t: number }[])
    if (m.t > 0) into.push(receivedAt - m.t);
}

/** Append → receipt latency (p50, ms) of a long-poll reader at the tail, after `prefill` messages. */
async function longPollTail(server: Server, ms: number, prefill: number): Promise<number> {
  const path = await createStream(server, 'longpoll');
  if (prefill > 0) await seed(server, path, prefill);
  const head = await request(server, 'HEAD', path);
  let offset = headerOf(head, 'stream-next-offset') ?? '-1';
  let cursor: string | undefined;
  const samples: number[] = [];
  let closed = false;
  const reader = (async () => {
    while (!closed) {
      const query = `offset=${encodeURIComponent(offset)}&live=long-poll${cursor === undefined ? '' : `&cursor=${cursor}`}`;
      const reply = await request(server, 'GET', `${path}?${query}`);
      const now = performance.now();
      offset = headerOf(reply, 'stream-next-offset') ?? offset;
      cursor = headerOf(reply, 'stream-cursor') ?? cursor;
      if (reply.status === 200) latencies(reply.body, now, samples);
      if (headerOf(reply, 'stream-closed') === 'true') closed = true;
    }
  })();
  await new Promise((r) => setTimeout(r, 100));
  await pacedWriter(server, path, ms);
  await request(server, 'POST', path, { 'stream-closed': 'true' });
  await reader;
  await request(server, 'DELETE', path);
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

/** Append → receipt latency (p50, ms) of one SSE connection at the tail. */
async function sseTail(server: Server, ms: number): Promise<number> {
  const path = await createStream(server, 'sse');
  const head = await request(server, 'HEAD', path);
  const offset = headerOf(head, 'stream-next-offset') ?? '-1';
  const samples: number[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const req = http.request(
      {
        hostname: server.url.hostname,
        port: server.url.port,
        path: `${path}?offset=${encodeURIComponent(offset)}&live=sse`,
        headers: { accept: 'text/event-stream' },
      },
      (res) => {
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (chunk: string) => {
          const now = performance.now();
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            if (!block.startsWith('event: data')) continue;
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5))
              .join('\n');
            latencies(Buffer.from(data), now, samples);
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
  await new Promise((r) => setTimeout(r, 200));
  await pacedWriter(server, path, ms);
  await request(server, 'POST', path, { 'stream-closed': 'true' });
  await done;
  await request(server, 'DELETE', path);
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

/** Runs the `streams` group; see the module comment. */
export async function runStreamsBench(opts: GroupOptions): Promise<Metrics> {
  const runs = opts.quick ? 1 : 3;
  const appendMs = opts.quick ? 500 : 2_000;
  const tailMs = opts.quick ? 500 : 2_000;
  const catchupMessages = opts.quick ? 10_000 : 100_000;
  const backlogMessages = opts.quick ? 10_000 : 100_000;
  const servers = new Map<ServerMode, Server>();
  for (const mode of Object.keys(SERVER_ARGS) as ServerMode[]) servers.set(mode, await startServer(mode));
  const server = (mode: ServerMode): Server => {
    const found = servers.get(mode);
    if (found === undefined) throw new Error(`no ${mode} server`);
    return found;
  };
  try {
    const oursCatchup = await createStream(server('ours-periodic'), 'catchup');
    const refCatchup = await createStream(server('ref-memory'), 'catchup');
    await seed(server('ours-periodic'), oursCatchup, catchupMessages);
    await seed(server('ref-memory'), refCatchup, catchupMessages);
    await fullRead(server('ours-periodic'), oursCatchup);
    await fullRead(server('ref-memory'), refCatchup);
    const rate = 'appends/s';
    return await repeat(
      runs,
      {
        ...withAckUnits({
          'streams.append.always.w16': rate,
          'ref.append.file.w16': rate,
          'floor.append.fdatasync.w1': rate,
          'streams.append.always.w1': rate,
          'ref.append.file.w1': rate,
          'streams.append.periodic.w16': rate,
          'ref.append.memory.w16': rate,
        }),
        'streams.catchup.mb_per_s': 'MB/s',
        'ref.catchup.mb_per_s': 'MB/s',
        'floor.tail.longpoll.p50_ms': 'ms',
        'streams.tail.longpoll.p50_ms': 'ms',
        'ref.tail.longpoll.p50_ms': 'ms',
        'streams.tail.sse.p50_ms': 'ms',
        'ref.tail.sse.p50_ms': 'ms',
        'streams.tail.backlog20mb.p50_ms': 'ms',
        'ref.tail.backlog20mb.p50_ms': 'ms',
      },
      async () => ({
        ...ackedRateValues(
          'streams.append.always.w16',
          await appendRate(server('ours-always'), 16, appendMs),
        ),
        ...ackedRateValues('ref.append.file.w16', await appendRate(server('ref-file'), 16, appendMs)),
        ...ackedRateValues(
          'floor.append.fdatasync.w1',
          await appendRate(server('append-floor'), 1, appendMs),
        ),
        ...ackedRateValues('streams.append.always.w1', await appendRate(server('ours-always'), 1, appendMs)),
        ...ackedRateValues('ref.append.file.w1', await appendRate(server('ref-file'), 1, appendMs)),
        ...ackedRateValues(
          'streams.append.periodic.w16',
          await appendRate(server('ours-periodic'), 16, appendMs),
        ),
        ...ackedRateValues('ref.append.memory.w16', await appendRate(server('ref-memory'), 16, appendMs)),
        'streams.catchup.mb_per_s': await catchupRate(server('ours-periodic'), oursCatchup, appendMs),
        'ref.catchup.mb_per_s': await catchupRate(server('ref-memory'), refCatchup, appendMs),
        'floor.tail.longpoll.p50_ms': await longPollTail(server('tail-floor'), tailMs, 0),
        'streams.tail.longpoll.p50_ms': await longPollTail(server('ours-periodic'), tailMs, 0),
        'ref.tail.longpoll.p50_ms': await longPollTail(server('ref-memory'), tailMs, 0),
        'streams.tail.sse.p50_ms': await sseTail(server('ours-periodic'), tailMs),
        'ref.tail.sse.p50_ms': await sseTail(server('ref-memory'), tailMs),
        'streams.tail.backlog20mb.p50_ms': await longPollTail(
          server('ours-periodic'),
          tailMs,
          backlogMessages,
        ),
        'ref.tail.backlog20mb.p50_ms': await longPollTail(server('ref-file'), tailMs, backlogMessages),
      }),
    );
  } finally {
    for (const s of servers.values()) await s.stop();
    agent.destroy();
  }
}
