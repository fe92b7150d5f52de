/**
 * Offset files: `subscribers/<channel>/<id>.offset` holding `N\n`, replaced atomically (see
 * durable-file.ts), the format the Go original reads and writes.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, MessengerError } from '../errors/index.js';
import { sanitizeFileComponent } from '../naming/index.js';
import { replaceFileDurably, syncDirectory } from './durable-file.js';

const OFFSET_SUFFIX = '.offset';

/** One offset file of a channel. */
export interface StoredOffset {
  /** The file's id (file name without `.offset`). */
  id: string;
  /** The stored offset. */
  offset: number;
}

/** Where one offset file is: its channel and its id (the file name without `.offset`). */
export interface OffsetFileRef {
  /** The channel folder it is in. */
  channel: string;
  /** The file's id. */
  id: string;
}

/** Reads and writes the offset files under one data dir's `subscribers/` folder. */
export class OffsetStore {
  readonly #root: string;

  /** @param root - the `subscribers/` folder */
  constructor(root: string) {
    this.#root = root;
  }

  /** Path of the offset file of `id` on `channel` (the id is sanitised). */
  pathOf(channel: string, id: string): string {
    return path.join(this.#root, channel, sanitizeFileComponent(id) + OFFSET_SUFFIX);
  }

  /** The stored offset, or undefined when there is no file; a corrupt file throws `ERR_OFFSET_FILE_CORRUPT`, naming it. */
  async read(channel: string, id: string): Promise<number | undefined> {
    return readOffsetFile(this.pathOf(channel, id));
  }

  /** Stores `offset` atomically and durably. */
  async write(channel: string, id: string, offset: number): Promise<void> {
    const file = this.pathOf(channel, id);
    const text = `${offset}\n`;
    try {
      await replaceFileDurably(file, text, { syncFolder: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fsp.mkdir(path.dirname(file), { recursive: true });
      syncDirectory(this.#root);
      await replaceFileDurably(file, text, { syncFolder: false });
    }
  }

  /** Deletes the offset file of `id` on `channel`, if any. */
  async remove(channel: string, id: string): Promise<void> {
    await fsp.rm(this.pathOf(channel, id), { force: true });
  }

  /** Deletes every offset file of `channel` (its folder), durably. */
  async removeChannel(channel: string): Promise<void> {
    await fsp.rm(path.join(this.#root, channel), { recursive: true, force: true });
    syncDirectory(this.#root);
  }

  /** Every offset file of every channel, unread (for sweeps); folders that cannot be listed are skipped. */
  async listAll(): Promise<OffsetFileRef[]> {
    const refs: OffsetFileRef[] = [];
    for (const channel of await namesIn(this.#root)) {
      for (const name of await namesIn(path.join(this.#root, channel))) {
        if (name.endsWith(OFFSET_SUFFIX)) refs.push({ channel, id: name.slice(0, -OFFSET_SUFFIX.length) });
      }
    }
    return refs;
  }

  /** When the offset file of `id` on `channel` last changed (ms), or undefined when there is no such file. */
  async modifiedAt(channel: string, id: string): Promise<number | undefined> {
    const stat = await fsp.stat(this.pathOf(channel, id)).catch(() => undefined);
    return stat?.isFile() === true ? stat.mtimeMs : undefined;
  }

  /** Every offset file of `channel`; unreadable files are reported in `errors`, never dropped silently. */
  async list(
    channel: string,
  ): Promise<{ offsets: StoredOffset[]; errors: { file: string; err: unknown }[] }> {
    const dir = path.join(this.#root, channel);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { offsets: [], errors: [] };
      throw err;
    }
    const offsets: StoredOffset[] = [];
    const errors: { file: string; err: unknown }[] = [];
    for (const name of names) {
      if (!name.endsWith(OFFSET_SUFFIX)) continue;
      const file = path.join(dir, name);
      try {
        const offset = await readOffsetFile(file);
        if (offset !== undefined) offsets.push({ id: name.slice(0, -OFFSET_SUFFIX.length), offset });
      } catch (err) {
        errors.push({ file, err });
      }
    }
    return { offsets, errors };
  }

  /**
   * {@link OffsetStore.list}, synchronously (for snapshots taken without awaiting); a file that
   * vanishes meanwhile is left out.
   */
  listSync(channel: string): { offsets: StoredOffset[]; errors: { file: string; err: unknown }[] } {
    const dir = path.join(this.#root, channel);
    const offsets: StoredOffset[] = [];
    const errors: { file: string; err: unknown }[] = [];
    for (const name of readdirIfAny(dir)) {
      if (!name.endsWith(OFFSET_SUFFIX)) continue;
      const file = path.join(dir, name);
      try {
        const text = fs.readFileSync(file, 'utf8');
        offsets.push({ id: name.slice(0, -OFFSET_SUFFIX.length), offset: parseOffset(file, text) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') errors.push({ file, err });
      }
    }
    return { offsets, errors };
  }
}

function readdirIfAny(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readOffsetFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseOffset(file, text);
}

/** The offset `text` (the content of `file`) holds; `ERR_OFFSET_FILE_CORRUPT` naming the file when none. */
function parseOffset(file: string, text: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw new MessengerError(
      ErrorCode.OFFSET_FILE_CORRUPT,
      `offset file ${file} is corrupt: ${JSON.stringify(text.slice(0, 40))} is not a decimal offset; fix or delete it to resume (deleting starts the reader afresh)`,
    );
  }
  return value;
}

/** The entries of `dir`, or none when it cannot be listed (missing, not a folder). */
async function namesIn(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}
