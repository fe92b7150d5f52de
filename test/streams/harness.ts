/** A Messenger with its HTTP endpoint on a temp data dir, and small fetch helpers for stream tests. */
import { Messenger, startHttpEndpoint, type HttpEndpoint, type MessengerOptions } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';

/** A running instance serving streams. */
export interface StreamsInstance {
  messenger: Messenger;
  endpoint: HttpEndpoint;
  dataDir: string;
  /** Absolute URL of stream `path`. */
  url: (path: string) => string;
  close(): Promise<void>;
}

/** Starts an instance on `dataDir` (a fresh temp dir by default). */
export async function startInstance(
  options: {
    dataDir?: string;
    syncPolicy?: 'always' | 'periodic';
    /** Segment roll size in MiB (`compaction_threshold_mb`); default: the config default. */
    compactionThresholdMb?: number;
    longPollTimeoutMs?: number;
    messenger?: MessengerOptions;
  } = {},
): Promise<StreamsInstance> {
  const dataDir = options.dataDir ?? tempDir('keyop-streams-');
  const messenger = await Messenger.open(
    {
      name: 'streams-test',
      storage: {
        dataDir,
        syncPolicy: options.syncPolicy ?? 'always',
        ...(options.compactionThresholdMb === undefined
          ? {}
          : { compactionThresholdMb: options.compactionThresholdMb }),
      },
    },
    options.messenger,
  );
  const endpoint = await startHttpEndpoint(messenger, {
    listenAddr: '127.0.0.1:0',
    longPollTimeoutMs: options.longPollTimeoutMs ?? 300,
  });
  return {
    messenger,
    endpoint,
    dataDir,
    url: (path) => `${endpoint.url}/v1/stream/${path}`,
    close: async () => {
      await endpoint.close();
      await messenger.close();
    },
  };
}

/** PUT with a content type and optional body and headers. */
export function put(
  url: string,
  contentType: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers: { 'content-type': contentType, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

/** POST with a content type and optional body and headers. */
export function post(
  url: string,
  contentType: string | undefined,
  body?: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
}
