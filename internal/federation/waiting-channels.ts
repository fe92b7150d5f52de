/**
 * The channels a durable peer subscribed to before they existed: one small file per peer,
 * `subscribers/fed-<peer>.waiting` (a JSON array of names), instead of a folder and a cursor file per
 * name. A channel created while the peer is away is then sent from its first record when the peer
 * comes back, as it is while the peer is connected.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sanitizeFileComponent } from '../naming/index.js';

/** File name prefix shared with the `fed-<peer>.offset` cursors (the TTL sweep reads both). */
export const PEER_FILE_PREFIX = 'fed-';
/** File name suffix of a waiting list. */
export const WAITING_SUFFIX = '.waiting';

/** The waiting lists under one data dir's `subscribers/` folder. */
export class WaitingChannels {
  readonly #root: string;
  /** The last write of each peer's list, while it runs. */
  readonly #writes = new Map<string, Promise<void>>();

  /** @param root - the `subscribers/` folder */
  constructor(root: string) {
    this.#root = root;
  }

  /** The waiting list of `peer`; empty when there is none, or when it is unreadable (then in `problem`). */
  async read(peer: string): Promise<{ channels: Set<string>; problem?: string }> {
    let text: string;
    try {
      text = await fsp.readFile(this.#fileOf(peer), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { channels: new Set() };
      throw err;
    }
    const parsed = safeParse(text);
    if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === 'string')) {
      return { channels: new Set(), problem: `${this.#fileOf(peer)} is not a JSON array of channel names` };
    }
    return { channels: new Set(parsed) };
  }

  /**
   * Replaces the waiting list of `peer` with `channels` as they are now (tmp file and rename; writes
   * for one peer go one after the other); an empty list removes the file.
   */
  write(peer: string, channels: ReadonlySet<string>): Promise<void> {
    const snapshot = new Set(channels);
    const replace = (): Promise<void> => this.#replace(peer, snapshot);
    const write = (this.#writes.get(peer) ?? Promise.resolve()).then(replace, replace);
    this.#writes.set(peer, write);
    const forget = (): void => {
      if (this.#writes.get(peer) === write) this.#writes.delete(peer);
    };
    write.then(forget, forget);
    return write;
  }

  async #replace(peer: string, channels: ReadonlySet<string>): Promise<void> {
    const file = this.#fileOf(peer);
    if (channels.size === 0) {
      await fsp.rm(file, { force: true });
      return;
    }
    const tmp = `${file}.tmp`;
    await fsp.writeFile(tmp, `${JSON.stringify([...channels])}\n`);
    await fsp.rename(tmp, file);
  }

  #fileOf(peer: string): string {
    return path.join(this.#root, `${PEER_FILE_PREFIX}${sanitizeFileComponent(peer)}${WAITING_SUFFIX}`);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
