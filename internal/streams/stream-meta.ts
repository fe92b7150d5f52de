/**
 * Stream metadata: the configuration of a stream (content type, TTL or expiry, fork parentage, its
 * offset space), kept as one JSON file per stream beside the channels and replaced atomically
 * (write a temporary file, fsync, rename, fsync the folder). State that readers must agree on with
 * the data (closure, producers, `Stream-Seq`) is not here: it is in the channel (see records.ts).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { fittingFileName, replaceFileDurably, syncDirectory } from '../storage/index.js';

/**
 * A range of a channel that appears in a stream: channel bytes `[from, to)` (to the channel's end
 * when `to` is absent) are stream offsets starting at `at`.
 */
export interface StreamSpan {
  channel: string;
  from: number;
  to?: number;
  at: number;
}

/** How a fork was requested (kept to answer a repeated PUT). */
export interface ForkRequest {
  /** Path of the source stream. */
  source: string;
  /** The `Stream-Fork-Offset` token, when one was given. */
  offset?: string;
  /** The `Stream-Fork-Sub-Offset`, when non-zero. */
  subOffset?: number;
}

/** The stored configuration of one stream. */
export interface StreamMeta {
  /** Format version. */
  v: 1;
  /** The stream path (URL form, `/`-separated). */
  path: string;
  /** The channel holding the stream's own messages. */
  channel: string;
  /** Content type, as given at creation. */
  contentType: string;
  /** Sliding idle TTL in seconds. */
  ttlSeconds?: number;
  /** Absolute expiry (RFC 3339, as given). */
  expiresAt?: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The offset space: inherited ranges of ancestors' channels, then the own channel (no `to`). */
  spans: StreamSpan[];
  /** The fork request, for forks. */
  fork?: ForkRequest;
  /** Channel of the direct source, for forks (the source is kept while this fork exists). */
  parent?: string;
  /** Deleted while forks still read its data: gone for clients, kept for the forks. */
  softDeleted?: true;
}

/** Reads and writes the metadata files in one folder. */
export class StreamMetaStore {
  readonly #dir: string;

  /** @param dir - the folder of the metadata files (created on demand) */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * `<channel>.json`, or `~<hash>.json` when that would be longer than a file name may be (channel
   * names go up to 255 bytes; the channel is also inside the file, which is what loading reads).
   */
  #file(channel: string): string {
    return path.join(this.#dir, fittingFileName(channel, '.json'));
  }

  /** Every stored stream; files that do not parse are reported in `errors`. */
  async loadAll(): Promise<{ metas: StreamMeta[]; errors: { file: string; err: unknown }[] }> {
    await fsp.mkdir(this.#dir, { recursive: true });
    const metas: StreamMeta[] = [];
    const errors: { file: string; err: unknown }[] = [];
    for (const name of await fsp.readdir(this.#dir)) {
      const file = path.join(this.#dir, name);
      if (name.endsWith('.tmp')) {
        await fsp.rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const meta = JSON.parse(await fsp.readFile(file, 'utf8')) as StreamMeta;
        if (meta.v !== 1 || typeof meta.channel !== 'string' || !Array.isArray(meta.spans)) {
          throw new MessengerError(ErrorCode.STREAM_META_CORRUPT, `${file} is not a stream metadata file`);
        }
        metas.push(meta);
      } catch (err) {
        errors.push({ file, err });
      }
    }
    return { metas, errors };
  }

  /** Stores `meta` atomically and durably. */
  async write(meta: StreamMeta): Promise<void> {
    await fsp.mkdir(this.#dir, { recursive: true });
    await replaceFileDurably(this.#file(meta.channel), JSON.stringify(meta));
  }

  /** Removes the metadata of `channel` (and makes the removal durable). */
  async remove(channel: string): Promise<void> {
    await fsp.rm(this.#file(channel), { force: true });
    syncDirectory(this.#dir);
  }
}

/** The folder of the stream metadata files of the data dir `dataDir`. */
export function streamMetaDir(dataDir: string): string {
  return path.join(dataDir, 'streams', 'meta');
}

/**
 * The paths of the streams of the data dir `dataDir` whose data is in `channel` (their own channel,
 * or a range a fork inherited), soft-deleted ones included; unreadable metadata files are skipped
 * (the streams service reports them).
 */
export async function streamsOnChannel(dataDir: string, channel: string): Promise<string[]> {
  const dir = streamMetaDir(dataDir);
  if ((await fsp.stat(dir).catch(() => undefined)) === undefined) return [];
  const { metas } = await new StreamMetaStore(dir).loadAll();
  return metas
    .filter((meta) => meta.channel === channel || meta.spans.some((span) => span.channel === channel))
    .map((meta) => meta.path);
}
