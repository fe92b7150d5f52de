/**
 * The subscriptions file (`subscriptions.json`): what survives a restart (configuration, generation,
 * linked streams and their acknowledged offsets). Loading checks every entry and skips, with an error
 * naming the entry and the field, one it cannot trust; saving coalesces bursts of changes into one
 * durable replacement.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../logger/index.js';
import { replaceFileDurably } from '../../storage/index.js';
import type { SubscriptionConfig } from './config.js';

/** How a stream is linked to a subscription. */
export type LinkType = 'explicit' | 'glob';

/** One subscription as stored. */
export interface StoredSubscription {
  id: string;
  config: SubscriptionConfig;
  createdAt: string;
  /** `{origin}{prefix}/__ds`, as seen by the client that created it (for callback URLs). */
  controlBase: string;
  generation: number;
  links: { path: string; types: LinkType[]; acked: string }[];
}

/** The file of the subscriptions of one data dir. */
export class SubscriptionStore {
  /** The file's path. */
  readonly file: string;
  readonly #logger: Logger;
  #saving: Promise<void> | undefined;
  #saveAgain = false;
  #snapshot: () => StoredSubscription[] = () => [];

  /** The store in `dir`. */
  constructor(dir: string, logger: Logger) {
    this.file = path.join(dir, 'subscriptions.json');
    this.#logger = logger;
  }

  /**
   * The stored subscriptions: none when there is no file, or when it is not JSON (logged); entries
   * that are not valid subscriptions are skipped, each with an error naming it and what is wrong.
   */
  async load(): Promise<StoredSubscription[]> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fsp.readFile(this.file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.#logger.error(
        { err, file: this.file },
        'subscriptions file unreadable; starting without subscriptions',
      );
      return [];
    }
    if (!Array.isArray(parsed)) {
      this.#logger.error(
        { file: this.file, reason: 'not a JSON array' },
        'subscriptions file unreadable; starting without subscriptions',
      );
      return [];
    }
    const stored: StoredSubscription[] = [];
    parsed.forEach((entry: unknown, index) => {
      const problem = storedSubscriptionProblem(entry);
      if (problem === undefined) stored.push(entry as StoredSubscription);
      else {
        this.#logger.error(
          { file: this.file, entry: index, reason: problem },
          'skipping an invalid subscription in the subscriptions file',
        );
      }
    });
    return stored;
  }

  /** Writes `snapshot()` soon, once for a burst of calls (the latest state wins). Never throws. */
  save(snapshot: () => StoredSubscription[]): void {
    this.#snapshot = snapshot;
    if (this.#saving !== undefined) {
      this.#saveAgain = true;
      return;
    }
    this.#saving = (async () => {
      do {
        this.#saveAgain = false;
        try {
          await replaceFileDurably(this.file, JSON.stringify(this.#snapshot()));
        } catch (err) {
          this.#logger.error({ err, file: this.file }, 'could not write the subscriptions file');
        }
      } while (this.#saveAgain);
      this.#saving = undefined;
    })();
  }

  /** Resolves once no write is pending. */
  async settled(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
  }
}

const LINK_TYPES: readonly unknown[] = ['explicit', 'glob'] satisfies LinkType[];

/** What makes `entry` not a stored subscription (the first problem, naming the field), or undefined. */
export function storedSubscriptionProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'not an object';
  for (const field of ['id', 'createdAt', 'controlBase'] as const) {
    if (typeof entry[field] !== 'string') return `${field} is not a string`;
  }
  const { generation, links } = entry;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) {
    return 'generation is not a non-negative integer';
  }
  const configProblem = storedConfigProblem(entry['config']);
  if (configProblem !== undefined) return `config: ${configProblem}`;
  if (!Array.isArray(links)) return 'links is not an array';
  for (const [i, link] of links.entries()) {
    if (
      !isRecord(link) ||
      typeof link['path'] !== 'string' ||
      typeof link['acked'] !== 'string' ||
      !Array.isArray(link['types']) ||
      !link['types'].every((t) => LINK_TYPES.includes(t))
    ) {
      return `links[${i}] is not { path, types: ("explicit" | "glob")[], acked }`;
    }
  }
  return undefined;
}

function storedConfigProblem(config: unknown): string | undefined {
  if (!isRecord(config)) return 'not an object';
  const { type, streams, leaseTtlMs } = config;
  if (type !== 'webhook' && type !== 'pull-wake') return 'type is not "webhook" or "pull-wake"';
  if (!Array.isArray(streams) || !streams.every((s) => typeof s === 'string')) {
    return 'streams is not an array of paths';
  }
  if (typeof leaseTtlMs !== 'number' || !Number.isSafeInteger(leaseTtlMs) || leaseTtlMs <= 0) {
    return 'leaseTtlMs is not a positive integer';
  }
  for (const field of ['pattern', 'webhookUrl', 'wakeStream', 'description'] as const) {
    if (config[field] !== undefined && typeof config[field] !== 'string') return `${field} is not a string`;
  }
  if (type === 'webhook' && config['webhookUrl'] === undefined)
    return 'a webhook subscription has no webhookUrl';
  if (type === 'pull-wake' && config['wakeStream'] === undefined) {
    return 'a pull-wake subscription has no wakeStream';
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
