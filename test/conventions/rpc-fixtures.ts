/** Instances and readers shared by the rpc interop tests. */
import { Messenger, RpcCloseError, StreamRpc, type StreamRpcOptions } from '../../src/index.js';
import type { Closable } from '../support/closing.js';
import { tempDir } from '../support/temp-dir.js';
import { publishRaw, RawReader, type RawRecord } from './raw.js';
import { RpcType } from './rpc-wire.js';

/** A Messenger named `name` in a temp dir, closed after the test. */
export async function messengerNamed(closing: Closable[], name: string): Promise<Messenger> {
  const messenger = await Messenger.open({
    name,
    storage: { dataDir: tempDir(), syncPolicy: 'none', offsetFlushIntervalMs: 20 },
  });
  closing.push(messenger);
  return messenger;
}

/** A StreamRpc on `messenger`, closed after the test (before the Messenger). */
export async function streamRpcOn(
  closing: Closable[],
  messenger: Messenger,
  options: StreamRpcOptions = {},
): Promise<StreamRpc> {
  const rpc = await StreamRpc.open(messenger, options);
  closing.push(rpc);
  return rpc;
}

/** A raw reader of `channel`, closed after the test. */
export async function rawReaderOf(
  closing: Closable[],
  messenger: Messenger,
  channel: string,
  subscriberId = 'raw-watch',
): Promise<RawReader> {
  const reader = await RawReader.open(messenger, channel, subscriberId);
  closing.push(reader);
  return reader;
}

/** Every item of `iterable`, or its error. */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error?: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items };
  } catch (error) {
    return { items, error };
  }
}

/** The RpcCloseError `iterable` ends with (throws when it ends otherwise). */
export async function closeErrorOf(iterable: AsyncIterable<unknown>): Promise<RpcCloseError> {
  const { error } = await drain(iterable);
  if (error instanceof RpcCloseError) return error;
  throw new Error(`expected an RpcCloseError, got ${String(error)}`);
}

/** A record of `type` for `streamId`. */
export function recordOf(type: string, streamId: string): (record: RawRecord) => boolean {
  return (r) => r.payloadType === type && r.correlationId === streamId;
}

/** Publishes a data frame as a server would (or would not). */
export function sendData(
  messenger: Messenger,
  inbox: string,
  streamId: string,
  payload: unknown,
): Promise<string> {
  return publishRaw(messenger, inbox, RpcType.data, payload, streamId);
}

/** Publishes a close frame. */
export function sendClose(
  messenger: Messenger,
  inbox: string,
  streamId: string,
  payload: unknown,
): Promise<string> {
  return publishRaw(messenger, inbox, RpcType.close, payload, streamId);
}
