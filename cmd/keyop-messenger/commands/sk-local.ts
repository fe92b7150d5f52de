/**
 * What the `sk` verbs read locally: a stopped instance's data dir, opened read-only (nothing on disk
 * changes: no lock, no abort marker, no retention mark, no offset file), refused while a live process
 * owns it.
 */
import { systemClock } from '../../../internal/clock/index.js';
import { errorMessage } from '../../../internal/errors/index.js';
import type { LogFields, Logger } from '../../../internal/logger/index.js';
import { Storage } from '../../../internal/storage/index.js';
import { SkStore } from '../../../internal/streamkit/index.js';
import { MAX_RECORD_BYTES } from '../../../src/index.js';

/** Where to read: the data dir, the store, and (optionally) the store's authority. */
export interface LocalStoreFlags {
  readonly dataDir: string;
  readonly store: string;
  readonly authority?: string;
}

/**
 * Opens `flags.store` in `flags.dataDir` read-only (every space of it on disk is indexed), runs
 * `read`, and closes. Warnings (torn or refused transactions) go to `stderr`.
 */
export async function withLocalStore<T>(
  flags: LocalStoreFlags,
  stderr: (text: string) => void,
  read: (store: SkStore) => T | Promise<T>,
): Promise<T> {
  const logger = stderrLogger(stderr);
  const storage = await Storage.openReadOnly({
    dataDir: flags.dataDir,
    // Writer settings: unused, nothing is written.
    syncPolicy: 'none',
    syncIntervalMs: 1_000,
    maxSegmentBytes: MAX_RECORD_BYTES,
    maxRecordBytes: MAX_RECORD_BYTES,
    tailCacheBytes: 1 << 20,
    pollIntervalMs: 60_000,
    retryBaseMs: 10,
    retryMaxMs: 1_000,
    clock: systemClock,
    logger,
  });
  try {
    const store = await SkStore.open(
      {
        storage,
        name: '',
        clock: systemClock,
        logger,
        log: (channel) => storage.log(channel),
        append: (channel) => storage.log(channel).then((log) => log.append(Buffer.alloc(0), 0)),
      },
      {
        store: flags.store,
        readOnly: true,
        ...(flags.authority === undefined ? {} : { authority: flags.authority }),
      },
    );
    try {
      return await read(store);
    } finally {
      await store.close();
    }
  } finally {
    await storage.close();
  }
}

/** Warnings and errors as `warning: <message> (<fields>)` lines; debug and info are dropped. */
function stderrLogger(stderr: (text: string) => void, bindings: LogFields = {}): Logger {
  const line =
    (level: string) =>
    (fields: LogFields, msg: string): void => {
      const all: LogFields = { ...bindings, ...fields };
      const err = all.err;
      if (err !== undefined) all.err = errorMessage(err);
      stderr(`${level}: ${msg} ${JSON.stringify(all)}\n`);
    };
  const drop = (): void => undefined;
  return {
    debug: drop,
    info: drop,
    warn: line('warning'),
    error: line('error'),
    child: (more) => stderrLogger(stderr, { ...bindings, ...more }),
  };
}
