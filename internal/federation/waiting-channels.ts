/**
 * The channels a durable peer subscribed to before they existed: one small file per peer,
 * `subscribers/fed-<peer>.waiting` (a JSON array of names), instead of a folder and a cursor file per
 * name. A channel created while the peer is away is then sent from its first record when the peer
 * comes back, as it is while the peer is connected.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cursorIds, sanitizeFileComponent } from '../naming/index.js';
import { replaceFileDurably } from '../storage/index.js';

/** File name suffix of a waiting list; the stem is the peer's cursor id, as its offset files have. */
const WAITING_SUFFIX = '.waiting';

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
   * Replaces the waiting list of `peer` with `channels` as they are now (durably, see durable-file.ts;
   * writes for one peer go one after the other); an empty list removes the file.
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
    await replaceFileDurably(file, `${JSON.stringify([...channels])}\n`);
  }

  /**
   * The peers with a waiting list on disk (as their file names spell them, see `sanitizeFileComponent`)
   * and when each list last changed (ms), for the TTL sweep.
   */
  async listAll(): Promise<{ peer: string; modifiedMs: number }[]> {
    const lists: { peer: string; modifiedMs: number }[] = [];
    for (const name of await fsp.readdir(this.#root).catch(() => [] as string[])) {
      const peer = name.endsWith(WAITING_SUFFIX)
        ? cursorIds.peerOf(name.slice(0, -WAITING_SUFFIX.length))
        : undefined;
      if (peer === undefined) continue;
      const stat = await fsp.stat(path.join(this.#root, name)).catch(() => undefined);
      if (stat?.isFile() === true) lists.push({ peer, modifiedMs: stat.mtimeMs });
    }
    return lists;
  }

  /** The path of the waiting list of `peer` (for logs). */
  pathOf(peer: string): string {
    return this.#fileOf(peer);
  }

  /** Removes the waiting list of `peer`, if any. */
  async remove(peer: string): Promise<void> {
    await fsp.rm(this.#fileOf(peer), { force: true });
  }

  #fileOf(peer: string): string {
    return path.join(this.#root, `${sanitizeFileComponent(cursorIds.federationIn(peer))}${WAITING_SUFFIX}`);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
