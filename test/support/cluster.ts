/**
 * Multi-node fixtures for federation tests: a test PKI, and Messengers started in-process on
 * 127.0.0.1 with port 0, restartable on the same port and data dir.
 */
import path from 'node:path';
import { afterEach } from 'vitest';
import { Messenger, type MessengerConfigInput } from '../../src/index.js';
import { internalsOf } from '../../src/wiring/index.js';
import type { HubClient } from '../../internal/federation/index.js';
import type { Logger } from '../../internal/logger/index.js';
import { writePki, type WrittenPair } from '../tlsutil/pki.js';
import { tempDir } from './temp-dir.js';

/** A CA and instance certificates written to a temp dir. */
export interface TestPki {
  ca: string;
  dir: string;
  pairs: Map<string, WrittenPair>;
}

/** Writes a CA and one instance certificate per name (SANs: the name, localhost, 127.0.0.1). */
export async function makePki(names: readonly string[]): Promise<TestPki> {
  const dir = tempDir('keyop-pki-');
  const { ca, instances } = await writePki(
    dir,
    names.map((name) => ({ name, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })),
  );
  return { ca: ca.certFile, dir, pairs: new Map(names.map((n, i) => [n, instances[i]!])) };
}

/** Options of {@link startNode}. */
export interface NodeOptions {
  name: string;
  pki?: TestPki;
  dataDir?: string;
  hub?: {
    listenAddr?: string;
    allowedPeers?: { name: string; subscribe?: string[]; publish?: string[] }[];
    fedClientOffsetTtlMs?: number;
    maxSubscriptionsPerPeer?: number;
  };
  hubs?: { addr: string; subscribe?: string[]; publish?: string[] }[];
  syncPolicy?: 'none' | 'periodic' | 'always';
  maxBatchBytes?: number;
  ttlSweepIntervalMs?: number;
  /** Where the node logs (default: nowhere). */
  logger?: Logger;
  /** More `storage` keys (retention, segment size). */
  storage?: MessengerConfigInput['storage'];
  /** Federation handshake limit (and the hub's TLS and upgrade limits); default 2000 ms. */
  handshakeTimeoutMs?: number;
}

/** A running node. */
export interface TestNode {
  readonly name: string;
  readonly dataDir: string;
  messenger: Messenger;
  /** `host:port` of its hub (when it runs one). */
  hubAddr: string;
  /** The node's hub clients. */
  clients(): HubClient[];
  /** Stops the node (data dir kept). */
  stop(): Promise<void>;
  /** Starts it again on the same data dir (and the same hub port). */
  restart(): Promise<void>;
}

function configOf(opts: NodeOptions, dataDir: string, listenAddr: string | undefined): MessengerConfigInput {
  const tls =
    opts.pki === undefined
      ? {}
      : {
          cert: opts.pki.pairs.get(opts.name)!.certFile,
          key: opts.pki.pairs.get(opts.name)!.keyFile,
          ca: opts.pki.ca,
        };
  return {
    name: opts.name,
    storage: {
      dataDir,
      syncPolicy: opts.syncPolicy ?? 'periodic',
      offsetFlushIntervalMs: 20,
      ...opts.storage,
    },
    hub:
      opts.hub === undefined
        ? {}
        : {
            enabled: true,
            listenAddr: listenAddr ?? opts.hub.listenAddr ?? '127.0.0.1:0',
            allowedPeers: (opts.hub.allowedPeers ?? []).map((p) => ({
              name: p.name,
              subscribe: p.subscribe ?? [],
              publish: p.publish ?? [],
            })),
            ...(opts.hub.fedClientOffsetTtlMs === undefined
              ? {}
              : { fedClientOffsetTtlMs: opts.hub.fedClientOffsetTtlMs }),
            ...(opts.hub.maxSubscriptionsPerPeer === undefined
              ? {}
              : { maxSubscriptionsPerPeer: opts.hub.maxSubscriptionsPerPeer }),
          },
    client:
      opts.hubs === undefined
        ? {}
        : {
            enabled: true,
            hubs: opts.hubs.map((h) => ({
              addr: h.addr,
              subscribe: h.subscribe ?? [],
              publish: h.publish ?? [],
            })),
          },
    tls,
    federation: {
      reconnectBaseMs: 20,
      reconnectMaxMs: 200,
      // Without a test PKI, federation runs on plain ws:// (it must be asked for explicitly).
      ...(opts.pki === undefined ? { insecurePlaintext: true } : {}),
      ...(opts.maxBatchBytes === undefined ? {} : { maxBatchBytes: opts.maxBatchBytes }),
    },
  };
}

/** Starts a node in-process. */
export async function startNode(opts: NodeOptions): Promise<TestNode> {
  const dataDir = opts.dataDir ?? path.join(tempDir('keyop-node-'), 'data');
  const open = (listenAddr?: string): Promise<Messenger> =>
    Messenger.open(configOf(opts, dataDir, listenAddr), {
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      federation: {
        pingIntervalMs: 1000,
        handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 2000,
        offsetFlushIntervalMs: 20,
        ...(opts.ttlSweepIntervalMs === undefined ? {} : { ttlSweepIntervalMs: opts.ttlSweepIntervalMs }),
      },
    });
  const node: TestNode = {
    name: opts.name,
    dataDir,
    messenger: await open(),
    hubAddr: '',
    clients: () => internalsOf(node.messenger).federation()?.clients ?? [],
    stop: () => node.messenger.close(),
    restart: async () => {
      node.messenger = await open(node.hubAddr === '' ? undefined : node.hubAddr);
    },
  };
  node.hubAddr = node.messenger.hubAddress ?? '';
  return node;
}

/** Resolves once every hub client of `node` is connected. */
export async function connected(node: TestNode): Promise<void> {
  for (const client of node.clients()) {
    await client.whenState('connected');
  }
}

/**
 * A starter of nodes that are stopped after each test (newest first; a failed stop is ignored, as a
 * test may have stopped the node itself).
 */
export function nodesStoppedAfterEach(): (opts: NodeOptions) => Promise<TestNode> {
  const nodes: TestNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0).reverse()) await n.stop().catch(() => undefined);
  });
  return async (opts) => {
    const n = await startNode(opts);
    nodes.push(n);
    return n;
  };
}
