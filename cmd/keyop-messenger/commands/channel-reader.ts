/**
 * Reading a channel of the local data dir page by page through the admin API: what `cat` and
 * `tail CHANNEL` share (positions, following, durable readers, the printed lines).
 */
import { InvalidArgumentError } from 'commander';
import {
  MAX_CAT_PAGE,
  type AdminRequest,
  type CatRecord,
  type WirePosition,
} from '../../../internal/admin/index.js';
import { parseEnvelope } from '../../../internal/envelope/index.js';
import type { MessengerConfig } from '../../../src/index.js';
import { runAdmin } from '../admin/client.js';
import type { CliContext } from '../cli.js';
import { abortOnStopSignal } from './stop-on-signal.js';

/** Parses `beginning`, `end`, a byte offset or an RFC 3339 time. */
export function parsePosition(value: string): WirePosition {
  if (value === 'beginning' || value === 'end') return value;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  const time = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isNaN(time) && time >= 0) return { time };
  throw new InvalidArgumentError(
    'expected beginning, end, a byte offset, or a time such as 2026-01-02T15:04:05Z',
  );
}

/** How to read a channel. */
export interface ReadFlags {
  readonly from: WirePosition;
  readonly count?: number;
  readonly follow?: true;
  readonly durable?: string;
  readonly json?: true;
}

/** How long one followed read waits for a record; short, so that a signal ends it soon. */
const FOLLOW_POLL_MS = 2_000;

/**
 * Prints the records of `channel` page by page: up to `count`, to the end, or (`follow`) until a
 * signal. A `durable` reader starts at its stored offset (`from` the first time) and stores its
 * progress after each page (a record printed just before a crash is printed again: at least once).
 * `verb` names the command in the error when a follow or durable read finds no running daemon.
 */
export async function printChannel(
  ctx: CliContext,
  config: MessengerConfig,
  channel: string,
  flags: ReadFlags,
  verb: string,
): Promise<void> {
  const live = flags.follow === true || flags.durable !== undefined;
  const call = (request: AdminRequest): Promise<unknown> =>
    runAdmin(config, request, live ? verb : undefined);
  const stop = new AbortController();
  if (flags.follow === true) abortOnStopSignal(stop);
  const subscriber = flags.durable;
  let from: WirePosition = flags.from;
  if (subscriber !== undefined) {
    from = ((await call({ verb: 'reader-open', channel, subscriber, from })) as { offset: number }).offset;
  }
  let left = flags.count ?? Number.POSITIVE_INFINITY;
  while (left > 0 && !stop.signal.aborted) {
    const max = Math.min(left, MAX_CAT_PAGE);
    const waitMs = flags.follow === true ? { waitMs: FOLLOW_POLL_MS } : {};
    const page = (await call({ verb: 'cat', channel, from, max, ...waitMs })) as {
      records: CatRecord[];
      next: number;
    };
    for (const record of page.records)
      ctx.stdout(`${flags.json === true ? record.line : textLine(record)}\n`);
    left -= page.records.length;
    if (subscriber !== undefined && page.records.length > 0) {
      await call({ verb: 'reader-commit', channel, subscriber, offset: page.next });
    }
    from = page.next;
    if (flags.follow !== true && page.records.length < max) break;
  }
}

/** `<offset> <ts> <origin> <payload type> <payload JSON>`, or the raw line when it is no envelope. */
function textLine(record: CatRecord): string {
  try {
    const env = parseEnvelope(record.line);
    return `${record.offset} ${env.ts} ${env.origin} ${env.payload_type} ${JSON.stringify(env.payload)}`;
  } catch {
    return `${record.offset} ${record.line}`;
  }
}
