/**
 * StreamRpc: streaming request/reply between instances, as the channel convention of
 * docs/conventions/streaming-rpc.md, on a Messenger (durable inbox and request channels) or an
 * EphemeralMessenger (live, through its hub).
 */
import { systemClock, type Clock } from '../internal/clock/index.js';
import { silentLogger, type Logger } from '../internal/logger/index.js';
import {
  RpcRequester,
  RpcServer,
  type OpenStreamOptions,
  type RequesterStream,
  type RpcHandler,
  type RpcServerCounters,
  type RpcTransport,
} from '../internal/rpc/index.js';
import { EphemeralMessenger } from './ephemeral.js';
import { internalsOf } from './wiring/index.js';
import { Messenger } from './messenger.js';

/** Settings of a {@link StreamRpc}. */
export interface StreamRpcOptions {
  /** Logger; default the Messenger's, or silent for an EphemeralMessenger. */
  logger?: Logger;
  /** Time source for deadlines, keepalives and silence; default the Messenger's, or the system clock. */
  clock?: Clock;
}

/** A served request type; `stop()` closes its open streams with 1001 and stops serving it. */
export interface RpcService {
  /** The request channel. */
  readonly channel: string;
  /** The request type. */
  readonly payloadType: string;
  /** Stops serving. */
  stop(): Promise<void>;
}

/** Figures of a {@link StreamRpc}. */
export interface StreamRpcStats extends RpcServerCounters {
  /** Streams this instance has open as a requester. */
  requesting: number;
  /** Streams this instance is serving. */
  serving: number;
}

/**
 * Streaming request/reply over channels. Open one per instance (it reads the instance's inbox
 * `_inbox.<name>` with the durable subscriber `rpc-inbox`, and request channels with `rpc-server`), and
 * close it before the instance.
 *
 * @example
 * const rpc = await StreamRpc.open(messenger);
 * await rpc.serve('clock.req', 'clock.ticks.v1', async (req, writer) => {
 *   for (let i = 0; i < 3; i++) await writer.write({ tick: i });
 * });
 * for await (const item of rpc.openStream('clock.req', 'clock.ticks.v1', {})) console.log(item);
 * await rpc.close();
 */
export class StreamRpc {
  readonly #requester: RpcRequester;
  readonly #server: RpcServer;

  private constructor(transport: RpcTransport, clock: Clock, logger: Logger) {
    this.#requester = new RpcRequester({ transport, clock, logger });
    this.#server = new RpcServer({ transport, clock, logger });
  }

  /**
   * Starts request/reply on `instance`. On an EphemeralMessenger, call it before `connect()`: the inbox
   * is one of the channels its handshake requests.
   */
  static async open(
    instance: Messenger | EphemeralMessenger,
    options: StreamRpcOptions = {},
  ): Promise<StreamRpc> {
    const rpc =
      instance instanceof Messenger
        ? new StreamRpc(
            messengerTransport(instance),
            options.clock ?? internalsOf(instance).clock,
            (options.logger ?? internalsOf(instance).logger).child({ component: 'rpc' }),
          )
        : new StreamRpc(
            ephemeralTransport(instance),
            options.clock ?? systemClock,
            options.logger ?? silentLogger,
          );
    await rpc.#requester.start();
    return rpc;
  }

  /** The inbox channel answers arrive on. */
  get inbox(): string {
    return this.#requester.inbox;
  }

  /**
   * Opens a stream: publishes a request of `payloadType` with `body` on `channel`. Iterate the result
   * for the data items; it ends on close 1000 and throws an `RpcCloseError` (code and text) on any other
   * close, or the signal's reason when aborted. Breaking out of the loop cancels the stream.
   */
  openStream<R = unknown>(
    channel: string,
    payloadType: string,
    body: unknown,
    options: OpenStreamOptions = {},
  ): RequesterStream<R> {
    return this.#requester.open<R>(channel, payloadType, body, options);
  }

  /**
   * A one-shot request: resolves with the first data item (undefined when there was none) once the
   * stream closed with 1000; later items are ignored; rejects like {@link StreamRpc.openStream}.
   */
  async request<R = unknown>(
    channel: string,
    payloadType: string,
    body: unknown,
    options: OpenStreamOptions = {},
  ): Promise<R | undefined> {
    let first: R | undefined;
    let seen = false;
    for await (const item of this.openStream<R>(channel, payloadType, body, options)) {
      if (!seen) first = item;
      seen = true;
    }
    return first;
  }

  /**
   * Serves `payloadType` on `channel`. The handler writes items with `writer.write`, may close with a
   * code, and closes with 1000 by returning; a thrown `RpcCloseError` closes with its code, any other
   * error with 5000. `writer.signal` aborts on cancel, deadline and shutdown.
   */
  async serve<T = unknown>(
    channel: string,
    payloadType: string,
    handler: RpcHandler<T>,
  ): Promise<RpcService> {
    const stop = await this.#server.serve(channel, payloadType, handler as RpcHandler);
    return { channel, payloadType, stop };
  }

  /** Stream counts and what happened to requests read by the server side. */
  stats(): StreamRpcStats {
    return {
      ...this.#server.counters,
      requesting: this.#requester.openStreams,
      serving: this.#server.openStreams,
    };
  }

  /** The streams served now: id, request channel, request type and reply channel of each. */
  servedStreams(): { id: string; channel: string; payloadType: string; replyTo: string }[] {
    return this.#server.openStreamList();
  }

  /** Closes served streams with 1001, ends open requester streams with a local 1001, stops reading. */
  async close(): Promise<void> {
    await this.#server.close();
    await this.#requester.close();
  }

  /** Same as {@link StreamRpc.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Offset writes of the convention's durable readers. The inbox's position matters little (frames of
 * streams a restarted process no longer has are dropped); the server's bounds how many requests a
 * crash redelivers (their requesters see the new run and end with 1006).
 */
const OFFSET_FLUSH_MS = { inbox: 1000, server: 200 } as const;

function messengerTransport(messenger: Messenger): RpcTransport {
  return {
    instance: messenger.name,
    publish: (channel, payloadType, payload, correlationId) =>
      messenger.publish(channel, payloadType, payload, { correlationId }),
    listen: async (channel, role, listener) => {
      const subscription = await messenger.subscribe(channel, `rpc-${role}`, listener, {
        from: role === 'server' ? 'beginning' : 'end',
        offsetFlushIntervalMs: OFFSET_FLUSH_MS[role],
      });
      return () => subscription.stop();
    },
  };
}

function ephemeralTransport(client: EphemeralMessenger): RpcTransport {
  return {
    instance: client.instanceName,
    publish: async (channel, payloadType, payload, correlationId) => {
      await client.publish(channel, payloadType, payload, { correlationId });
    },
    listen: (channel, _role, listener) => {
      const subscription = client.subscribe(channel, listener);
      return Promise.resolve(() => {
        subscription.unsubscribe();
        return Promise.resolve();
      });
    },
  };
}
