/**
 * NATS as a peer: JetStream publishes acknowledged by a file-storage stream (1 and 64 in flight on one
 * connection, with each publish's send → ack latency), a durable pull consumer's catch-up of a backlog
 * and its publish → delivery latency, and core NATS request/reply.
 *
 * nats-server 2.9.10 (Debian 12) refuses `sync_interval` ("unknown field"; the option came later):
 * its file store writes each message to the page cache before the ack and fsyncs on its own timer,
 * so its acks are not fsynced ones (DESIGN.md §12.2).
 */
import { AckPolicy, connect, StorageType, type NatsConnection } from 'nats';
import { ackedThroughput, naiveLine, type AckedRate, type Percentiles } from '../measure.js';
import { latencies } from '../rpc.js';
import { withPeer, type PeerLaunch, type PeerProcess } from './peer-process.js';

const STREAM = 'BENCH';
const SUBJECT = 'bench';
const ACK_EVERY = 500;

function launch(binary: string): PeerLaunch {
  return {
    name: 'nats',
    binary,
    args: (dir, port) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    ready: /Server is ready/,
  };
}

function open(peer: PeerProcess): Promise<NatsConnection> {
  return connect({ servers: `127.0.0.1:${peer.port}` });
}

/** Connects and creates the file-storage stream `BENCH` on subject `bench`. */
async function withStream<T>(binary: string, body: (nc: NatsConnection) => Promise<T>): Promise<T> {
  return withPeer(launch(binary), async (peer) => {
    const nc = await open(peer);
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({
        name: STREAM,
        subjects: [SUBJECT],
        storage: StorageType.File,
        num_replicas: 1,
      });
      return await body(nc);
    } finally {
      await nc.close();
    }
  });
}

const encoder = new TextEncoder();

/**
 * JetStream publishes acknowledged per second with `inFlight` awaiting loops on one connection, with
 * each publish's send → ack latency.
 */
export function natsJsPublishRate(binary: string, inFlight: number, ms: number): Promise<AckedRate> {
  return withStream(binary, async (nc) => {
    const js = nc.jetstream();
    let i = 0;
    const publish = (): Promise<unknown> => js.publish(SUBJECT, encoder.encode(naiveLine(i++)));
    return ackedThroughput(ms, inFlight, publish);
  });
}

/**
 * Messages per second a durable pull consumer reads from the start of a `messages` backlog
 * (`AckPolicy.All`, an ack every 500 messages and at the end; each message parsed as JSON).
 */
export function natsJsCatchup(binary: string, messages: number): Promise<number> {
  return withStream(binary, async (nc) => {
    const js = nc.jetstream();
    // Seeded with core publishes (no ack each), flushed every 1,000; the stream stores a subject's
    // messages in arrival order, so the ack of a last JetStream publish means all are stored.
    for (let i = 0; i < messages - 1; i++) {
      nc.publish(SUBJECT, encoder.encode(naiveLine(i)));
      if (i % 1000 === 999) await nc.flush();
    }
    const last = await js.publish(SUBJECT, encoder.encode(naiveLine(messages - 1)));
    if (last.seq !== messages)
      throw new Error(`JetStream stored ${last.seq} of ${messages} backlog messages`);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(STREAM, {
      durable_name: 'reader',
      ack_policy: AckPolicy.All,
      max_ack_pending: ACK_EVERY * 4,
    });
    const consumer = await js.consumers.get(STREAM, 'reader');
    const start = performance.now();
    const stream = await consumer.consume({ max_messages: 1000 });
    let received = 0;
    for await (const m of stream) {
      JSON.parse(m.string());
      received++;
      if (received % ACK_EVERY === 0 || received === messages) m.ack();
      // Leaving the loop stops the consumer (its close() promise never settles once it has).
      if (received === messages) break;
    }
    return messages / ((performance.now() - start) / 1000);
  });
}

/**
 * JetStream publish → durable consumer latency (µs, p50/p99): a durable pull consumer of this process
 * waits at the tail (`consume`, explicit acks, each message acknowledged as it arrives and parsed as
 * JSON) while one publish at a time is sent and its ack awaited; timed from the send to the delivery.
 */
export function natsJsDeliverLatency(binary: string, samples: number): Promise<Percentiles> {
  return withStream(binary, async (nc) => {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(STREAM, { durable_name: 'live', ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get(STREAM, 'live');
    let arrived: ((at: number) => void) | undefined;
    const messages = await consumer.consume({ max_messages: 100 });
    const reading = (async () => {
      for await (const m of messages) {
        const at = performance.now();
        JSON.parse(m.string());
        m.ack();
        arrived?.(at);
      }
    })();
    try {
      let i = 0;
      return await latencies(samples, async () => {
        const delivered = new Promise<number>((resolve) => (arrived = resolve));
        const sent = performance.now();
        await js.publish(SUBJECT, encoder.encode(naiveLine(i++)));
        return (await delivered) - sent;
      });
    } finally {
      await messages.close();
      await reading;
    }
  });
}

/**
 * Core NATS request → reply latency (µs, p50/p99): a responder and a requester on two connections of
 * this process, the server in its own (no JetStream on the path, nothing stored).
 */
export function natsRequestLatency(binary: string, samples: number): Promise<Percentiles> {
  return withPeer(launch(binary), async (peer) => {
    const responder = await open(peer);
    const requester = await open(peer);
    try {
      responder.subscribe('bench.req', {
        callback: (err, msg) => {
          if (err === null) msg.respond(msg.data);
        },
      });
      await responder.flush();
      const body = encoder.encode(JSON.stringify({ n: 1 }));
      await requester.request('bench.req', body, { timeout: 30_000 });
      return await latencies(samples, async () => {
        const t0 = performance.now();
        await requester.request('bench.req', body, { timeout: 30_000 });
        return performance.now() - t0;
      });
    } finally {
      await requester.close();
      await responder.close();
    }
  });
}
