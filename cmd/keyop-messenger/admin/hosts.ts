/**
 * The admin hosts: the running daemon's Messenger, or a data dir the CLI opens itself while no
 * daemon runs (read-only for the read verbs, locked for the write verbs).
 */
import path from 'node:path';
import { AuditLog } from '../../../internal/audit/index.js';
import type { AdminHost } from '../../../internal/admin/index.js';
import { systemClock } from '../../../internal/clock/index.js';
import { ErrorCode, MessengerError } from '../../../internal/errors/index.js';
import type { Logger } from '../../../internal/logger/index.js';
import { sanitizeFileComponent } from '../../../internal/naming/index.js';
import { Storage } from '../../../internal/storage/index.js';
import { MAX_RECORD_BYTES, Messenger, type MessengerConfig } from '../../../src/index.js';
import { internalsOf, retentionRulesOf } from '../../../src/wiring/index.js';

/** An admin host and what releases it. */
export interface OpenHost {
  readonly host: AdminHost;
  close(): Promise<void>;
}

/**
 * The audit log admin actions go to: the federation's when it runs (one writer per file), else one
 * of the admin's own on the same `audit/` folder.
 */
function adminAudit(messenger: Messenger, logger: Logger): { log: AuditLog; own: boolean } {
  const federation = internalsOf(messenger).federation();
  if (federation !== undefined) return { log: federation.audit, own: false };
  const { config } = messenger;
  const log = new AuditLog({
    dir: path.join(config.storage.dataDir, 'audit'),
    maxSizeBytes: config.audit.maxSizeMb * 2 ** 20,
    maxFiles: config.audit.maxFiles,
    logger,
  });
  return { log, own: true };
}

/** What in `messenger`'s process uses `channel` (see `AdminHost.channelHolders`). */
function channelHolders(messenger: Messenger, channel: string): string[] {
  const internals = internalsOf(messenger);
  const federation = internals.federation();
  const subscribers = Object.entries(messenger.stats().channels[channel]?.subscribers ?? {})
    .filter(([, stats]) => stats.running)
    .map(([id]) => `subscriber ${id} delivering`);
  const peers = (federation?.hub?.peersSending(channel) ?? []).map(
    (peer) => `hub sending it to peer ${peer}`,
  );
  const hubs = (federation?.clients ?? [])
    .filter((client) => client.sends(channel))
    .map((client) => `link publishing it to hub ${client.addr}`);
  const waiting =
    internals.storage.logIfOpen(channel)?.hasWaiters === true
      ? ['a reader waiting for its next record (an HTTP read, a cursor)']
      : [];
  return [...subscribers, ...peers, ...hubs, ...waiting];
}

/** The admin host of an open Messenger (the daemon's, or one the CLI opened to write). */
export function messengerHost(messenger: Messenger, mode: AdminHost['mode'], logger: Logger): OpenHost {
  const internals = internalsOf(messenger);
  const audit = adminAudit(messenger, logger);
  return {
    host: {
      storage: internals.storage,
      mode,
      retention: retentionRulesOf(messenger.config),
      activeSubscribers: (channel) =>
        new Map(
          Object.entries(messenger.stats().channels[channel]?.subscribers ?? {})
            .filter(([, stats]) => stats.running)
            .map(([id, stats]) => [sanitizeFileComponent(id), { ...stats }]),
        ),
      channelHolders: (channel) => channelHolders(messenger, channel),
      liveStats: () => messenger.stats(),
      append: (channel, lines, records) => internals.append(channel, lines, records),
      audit: (record) => {
        audit.log.log(record);
        logger.info(
          { channel: record.channel, subscriber: record.peer, detail: record.detail },
          'admin action',
        );
      },
    },
    close: async () => {
      if (audit.own) await audit.log.close();
    },
  };
}

/**
 * Opens the stopped data dir of `config` for an admin verb: a write verb takes the data dir's lock
 * (through a Messenger with federation off, so nothing else starts), a read verb reads without
 * changing anything on disk.
 *
 * @throws MessengerError `ERR_DATA_DIR_LOCKED` while a process holds the data dir.
 */
export async function openStoppedDataDir(
  config: MessengerConfig,
  write: boolean,
  logger: Logger,
): Promise<OpenHost> {
  if (write) {
    const messenger = await Messenger.open(
      { ...config, hub: { ...config.hub, enabled: false }, client: { ...config.client, enabled: false } },
      { logger },
    );
    const opened = messengerHost(messenger, 'offline', logger);
    return {
      host: opened.host,
      close: async () => {
        await opened.close();
        await messenger.close();
      },
    };
  }
  const storage = await Storage.openReadOnly({
    dataDir: config.storage.dataDir,
    syncPolicy: 'none',
    syncIntervalMs: config.storage.syncIntervalMs,
    maxSegmentBytes: config.storage.compactionThresholdMb * 2 ** 20,
    maxRecordBytes: MAX_RECORD_BYTES,
    tailCacheBytes: 0,
    pollIntervalMs: 60_000,
    retryBaseMs: 10,
    retryMaxMs: 1_000,
    clock: systemClock,
    logger,
  });
  const refuse = (): never => {
    throw new MessengerError(ErrorCode.ADMIN_REFUSED, `data dir ${config.storage.dataDir} is open read-only`);
  };
  return {
    host: {
      storage,
      mode: 'offline',
      retention: retentionRulesOf(config),
      activeSubscribers: () => new Map(),
      channelHolders: () => [],
      liveStats: () => undefined,
      append: refuse,
      audit: refuse,
    },
    close: () => storage.close(),
  };
}
