/**
 * Mosquitto as a peer (the broker IoT users would run): QoS 1 publishes acknowledged by PUBACK with
 * persistence on, 1 and 64 in flight on one connection, queued for an offline persistent session
 * (`clean: false`, QoS 1) so that the broker has something to keep; the catch-up of that session's
 * queue on reconnect; QoS 1 publish → subscriber latency.
 *
 * Mosquitto's persistence is a snapshot of its in-memory state written to `mosquitto.db` every
 * `autosave_interval` seconds (1800 by default, kept) and at exit: a PUBACK means "in the broker's
 * memory", nothing is written per message (DESIGN.md §12.2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ackedThroughput, inFlight, naiveLine, type AckedRate, type Percentiles } from '../measure.js';
import { latencies } from '../rpc.js';
import { withPeer, type PeerLaunch, type PeerProcess } from './peer-process.js';

const TOPIC = 'bench';
const QUEUED_SESSION = 'bench-queued';

function launch(binary: string): PeerLaunch {
  return {
    name: 'mosquitto',
    binary,
    prepare: (dir, port) => {
      fs.writeFileSync(
        path.join(dir, 'mosquitto.conf'),
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous true',
          'persistence true',
          `persistence_location ${dir}/`,
          // As root, mosquitto would switch to the `mosquitto` user, who cannot write the temp dir.
          `user ${os.userInfo().username}`,
          // Queue every message for the offline session (1000 by default) and deliver its backlog
          // with up to 1000 in flight (20 by default) on reconnect.
          'max_queued_messages 0',
          'max_inflight_messages 1000',
          'log_dest stderr',
          '',
        ].join('\n'),
      );
    },
    args: (dir) => ['-c', path.join(dir, 'mosquitto.conf')],
    ready: /mosquitto version .* running/,
  };
}

function open(peer: PeerProcess, clientId: string, clean = true): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${peer.port}`, {
    clientId,
    clean,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
}

/** Registers the offline persistent session that the broker queues the publishes for. */
async function registerQueuedSession(peer: PeerProcess): Promise<void> {
  const subscriber = await open(peer, QUEUED_SESSION, false);
  await subscriber.subscribeAsync(TOPIC, { qos: 1 });
  await subscriber.endAsync();
}

/**
 * QoS 1 publishes acknowledged per second with `inFlight` awaiting loops on one connection, with each
 * publish's send → PUBACK latency.
 */
export function mosquittoPublishRate(binary: string, inFlightCount: number, ms: number): Promise<AckedRate> {
  return withPeer(launch(binary), async (peer) => {
    await registerQueuedSession(peer);
    const publisher = await open(peer, 'bench-publisher');
    try {
      let i = 0;
      const publish = (): Promise<unknown> => publisher.publishAsync(TOPIC, naiveLine(i++), { qos: 1 });
      return await ackedThroughput(ms, inFlightCount, publish);
    } finally {
      await publisher.endAsync();
    }
  });
}

/**
 * Messages per second the persistent session receives when it reconnects to a queue of `messages`
 * (each parsed as JSON; QoS 1, so each is PUBACKed by the client).
 */
export function mosquittoCatchup(binary: string, messages: number): Promise<number> {
  return withPeer(launch(binary), async (peer) => {
    await registerQueuedSession(peer);
    const publisher = await open(peer, 'bench-publisher');
    await inFlight(messages, 1000, (i) => publisher.publishAsync(TOPIC, naiveLine(i), { qos: 1 }));
    await publisher.endAsync();
    let received = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const start = performance.now();
    const subscriber = mqtt.connect(`mqtt://127.0.0.1:${peer.port}`, {
      clientId: QUEUED_SESSION,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    subscriber.on('message', (_topic, body) => {
      JSON.parse(body.toString('utf8'));
      if (++received === messages) done();
    });
    try {
      await finished;
      return messages / ((performance.now() - start) / 1000);
    } finally {
      await subscriber.endAsync();
    }
  });
}

/** QoS 1 publish → subscriber latency (µs, p50/p99), both clients in this process. */
export function mosquittoDeliverLatency(binary: string, samples: number): Promise<Percentiles> {
  return withPeer(launch(binary), async (peer) => {
    const subscriber = await open(peer, 'bench-live');
    const publisher = await open(peer, 'bench-publisher');
    try {
      let arrived: (() => void) | undefined;
      subscriber.on('message', (_topic, body) => {
        JSON.parse(body.toString('utf8'));
        arrived?.();
      });
      await subscriber.subscribeAsync(TOPIC, { qos: 1 });
      let i = 0;
      return await latencies(samples, async () => {
        const got = new Promise<void>((resolve) => (arrived = resolve));
        const t0 = performance.now();
        await publisher.publishAsync(TOPIC, naiveLine(i++), { qos: 1 });
        await got;
        return performance.now() - t0;
      });
    } finally {
      await publisher.endAsync();
      await subscriber.endAsync();
    }
  });
}
