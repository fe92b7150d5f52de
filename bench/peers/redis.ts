/**
 * Redis 7 Streams as a peer: `XADD` acknowledged under `appendfsync always` (an fsync of the AOF on
 * the main thread before the replies of an event-loop turn go out, so concurrent clients share one)
 * and `everysec` (written to the page cache, fsynced by a background thread once a second);
 * `XREADGROUP` + `XACK` catch-up of a backlog; `XADD` → `XREADGROUP BLOCK` delivery latency (a consumer
 * group, as durable as our subscriber's cursor). Each `XADD` rate comes with its send → reply latency.
 */
import { Redis } from 'ioredis';
import { ackedThroughput, naiveLine, type AckedRate, type Percentiles } from '../measure.js';
import { latencies } from '../rpc.js';
import { withPeer, type PeerLaunch, type PeerProcess } from './peer-process.js';

/** The AOF fsync policies measured. */
export type RedisFsync = 'always' | 'everysec';

const STREAM = 'bench';
const READ_BATCH = 1000;

function launch(binary: string, fsync: RedisFsync): PeerLaunch {
  return {
    name: 'redis',
    binary,
    args: (dir, port) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      fsync,
      '--save',
      '',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    ready: /Ready to accept connections/,
  };
}

function client(peer: PeerProcess): Redis {
  return new Redis({ host: '127.0.0.1', port: peer.port, lazyConnect: false, maxRetriesPerRequest: 0 });
}

/** Closes every client. */
async function quitAll(clients: readonly Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit()));
}

/**
 * `XADD`s acknowledged per second from `clients` connections, each awaiting its own in a loop, with
 * each `XADD`'s send → reply latency.
 */
export function redisXaddRate(
  binary: string,
  fsync: RedisFsync,
  clients: number,
  ms: number,
): Promise<AckedRate> {
  return withPeer(launch(binary, fsync), async (peer) => {
    const conns = Array.from({ length: clients }, () => client(peer));
    try {
      let i = 0;
      const xadd = (w: number): Promise<unknown> => conns[w]!.xadd(STREAM, '*', 'e', naiveLine(i++));
      return await ackedThroughput(ms, clients, xadd);
    } finally {
      await quitAll(conns);
    }
  });
}

/**
 * Messages per second a consumer group reads from the start of a `messages` backlog: `XREADGROUP`
 * batches of 1,000, each batch's ids `XACK`ed in the same round trip as the next read, each entry
 * parsed as JSON (as our subscriber does).
 */
export function redisCatchup(binary: string, messages: number): Promise<number> {
  return withPeer(launch(binary, 'everysec'), async (peer) => {
    const conn = client(peer);
    try {
      for (let n = 0; n < messages; n += READ_BATCH) {
        const pipeline = conn.pipeline();
        for (let i = 0; i < READ_BATCH; i++) pipeline.xadd(STREAM, '*', 'e', naiveLine(n + i));
        await pipeline.exec();
      }
      await conn.xgroup('CREATE', STREAM, 'reader', '0');
      let received = 0;
      let toAck: string[] = [];
      const start = performance.now();
      while (received < messages) {
        const pipeline = conn.pipeline();
        if (toAck.length > 0) pipeline.xack(STREAM, 'reader', ...toAck);
        pipeline.xreadgroup('GROUP', 'reader', 'c1', 'COUNT', READ_BATCH, 'STREAMS', STREAM, '>');
        const results = (await pipeline.exec()) ?? [];
        const [err, reply] = results[results.length - 1] ?? [];
        if (err) throw err;
        const entries = (reply as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? [];
        toAck = [];
        for (const [id, fields] of entries) {
          JSON.parse(fields[1] ?? 'null');
          toAck.push(id);
        }
        received += entries.length;
      }
      const rate = messages / ((performance.now() - start) / 1000);
      await conn.xack(STREAM, 'reader', ...toAck);
      return rate;
    } finally {
      await conn.quit();
    }
  });
}

/**
 * `XADD` → `XREADGROUP BLOCK` latency (µs, p50/p99) on two connections (`everysec`): a consumer group
 * reads each entry as it is added, acknowledging the previous one (`XACK`) just before its next read.
 */
export function redisDeliverLatency(binary: string, samples: number): Promise<Percentiles> {
  return withPeer(launch(binary, 'everysec'), async (peer) => {
    const writer = client(peer);
    const reader = client(peer);
    try {
      await writer.xgroup('CREATE', STREAM, 'live', '$', 'MKSTREAM');
      let i = 0;
      return await latencies(samples, async () => {
        // '>' asks for entries the group has not been given yet: the entry is returned whether the
        // read reaches the server before or after its XADD, so the two connections cannot race.
        const read = reader.xreadgroup('GROUP', 'live', 'c1', 'COUNT', 1, 'BLOCK', 0, 'STREAMS', STREAM, '>');
        const sent = performance.now();
        await writer.xadd(STREAM, '*', 'e', naiveLine(i++));
        const entries = ((await read) as [string, [string, string[]][]][] | null)?.[0]?.[1] ?? [];
        const elapsed = performance.now() - sent;
        for (const [id, fields] of entries) {
          JSON.parse(fields[1] ?? 'null');
          void reader.xack(STREAM, 'live', id);
        }
        return elapsed;
      });
    } finally {
      await quitAll([writer, reader]);
    }
  });
}
