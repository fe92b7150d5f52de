/**
 * What the request/reply convention needs of an instance: publish a record and read a channel in order.
 * A Messenger (durable) and an EphemeralMessenger (live) both provide it.
 */
import type { Message } from '../delivery/index.js';

/** A channel reader's handler; it must not wait on anything slow (it is called in channel order). */
export type RpcListener = (message: Message) => void;

/** The instance the convention runs on. */
export interface RpcTransport {
  /** The instance name (its certificate CN when federated); the inbox is derived from it. */
  readonly instance: string;
  /** Publishes one record; resolves once it is stored (or acknowledged by the hub). */
  publish(channel: string, payloadType: string, payload: unknown, correlationId: string): Promise<unknown>;
  /**
   * Reads `channel` in order from now on (`role` names the reader, e.g. as a durable subscriber id);
   * resolves with a function that stops reading.
   */
  listen(channel: string, role: 'inbox' | 'server', listener: RpcListener): Promise<() => Promise<void>>;
}
