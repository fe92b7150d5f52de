/**
 * The admin verbs: `channels`, `stats`, `subscribers`, `cat`, `offset set|reset`, `unsubscribe`,
 * `purge`, `delete` and `dead-letter replay`. Each goes to the running daemon's admin socket, or (no daemon)
 * to the stopped data dir; see `runAdmin`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  MAX_CAT_PAGE,
  type AdminRequest,
  type CatRecord,
  type ChannelInfo,
  type DeletedChannel,
  type SubscriberInfo,
  type WirePosition,
} from '../../../internal/admin/index.js';
import { parseEnvelope } from '../../../internal/envelope/index.js';
import { loadConfigFile, type MessengerConfig } from '../../../src/index.js';
import { CONFIG_PATH_ENV } from '../../../src/wiring/index.js';
import { runAdmin } from '../admin/client.js';
import type { CliContext } from '../cli.js';
import { abortOnStopSignal } from './stop-on-signal.js';
import { wholeNumberAtLeastOne } from './whole-number.js';

interface AdminFlags {
  readonly config?: string;
  readonly json?: true;
}

/** Parses `beginning`, `end`, a byte offset or an RFC 3339 time. */
function parsePosition(value: string): WirePosition {
  if (value === 'beginning' || value === 'end') return value;
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  const time = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isNaN(time) && time >= 0) return { time };
  throw new InvalidArgumentError(
    'expected beginning, end, a byte offset, or a time such as 2026-01-02T15:04:05Z',
  );
}

/** Adds `-c/--config` and `--json` to `command`. */
function adminCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option(
      '-c, --config <file>',
      `config file naming the data dir (default: $${CONFIG_PATH_ENV}, else ./data)`,
    )
    .option('--json', 'print JSON');
}

async function send(flags: AdminFlags, request: AdminRequest): Promise<unknown> {
  const { config } = await loadConfigFile(flags.config, process.env);
  return runAdmin(config, request);
}

/** Rows as aligned columns under `header`. */
function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return (
    cells
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function printJson(ctx: CliContext, value: unknown, compact: boolean): void {
  ctx.stdout(`${compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
}

/** `<age>/<files>` of a channel's retention, `retained` or `-` for none. */
function describeRetention(retention: ChannelInfo['retention']): string {
  if (retention.retained) return 'retained';
  const parts = [
    retention.maxAgeMs > 0 ? `${retention.maxAgeMs / 1000}s` : '',
    retention.maxFiles > 0 ? `${retention.maxFiles} files` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** Registers the admin verbs. */
export function register(program: Command, ctx: CliContext): void {
  adminCommand(
    program,
    'channels',
    'list the channels of the data dir: size, records, segments, retention',
  ).action(async (flags: AdminFlags) => {
    const channels = (await send(flags, { verb: 'channels' })) as ChannelInfo[];
    if (flags.json === true) {
      printJson(ctx, channels, true);
      return;
    }
    const rows = channels.map((c) => [
      c.name,
      c.bytes,
      c.records,
      c.segments,
      c.startOffset,
      c.endOffset,
      describeRetention(c.retention),
    ]);
    ctx.stdout(table(['CHANNEL', 'BYTES', 'RECORDS', 'SEGMENTS', 'START', 'END', 'RETENTION'], rows));
  });

  adminCommand(
    program,
    'stats',
    "the daemon's statistics (Messenger.stats()); the channels of a stopped data dir",
  ).action(async (flags: AdminFlags) => {
    printJson(ctx, await send(flags, { verb: 'stats' }), flags.json === true);
  });

  adminCommand(
    program,
    'subscribers',
    "the durable subscribers of a channel: offset, lag, the daemon's delivery counters",
  )
    .argument('<channel>')
    .action(async (channel: string, flags: AdminFlags) => {
      const subscribers = (await send(flags, { verb: 'subscribers', channel })) as SubscriberInfo[];
      if (flags.json === true) {
        printJson(ctx, subscribers, true);
        return;
      }
      const rows = subscribers.map((s) => [
        s.id,
        s.offset,
        s.lagBytes,
        s.lagRecords,
        s.active ? 'yes' : 'no',
        s.live === undefined ? '-' : String(s.live.delivered),
      ]);
      ctx.stdout(table(['SUBSCRIBER', 'OFFSET', 'LAG_BYTES', 'LAG_RECORDS', 'ACTIVE', 'DELIVERED'], rows));
    });

  adminCommand(
    program,
    'cat',
    'print the records of a channel (text, or --json: each stored envelope on one line)',
  )
    .argument('<channel>')
    .option(
      '--from <position>',
      'beginning, end, a byte offset, or an RFC 3339 time',
      parsePosition,
      'beginning',
    )
    .option('--count <n>', 'print at most n records', wholeNumberAtLeastOne('records'))
    .option('--follow', 'keep printing new records until SIGINT or SIGTERM (needs the running daemon)')
    .option(
      '--durable <id>',
      'read as the durable reader <id>: resume where it left off (--from applies the first time), store its progress (needs the running daemon)',
    )
    .action(async (channel: string, flags: CatFlags) => {
      const { config } = await loadConfigFile(flags.config, process.env);
      await cat(ctx, config, channel, flags);
    });

  const offset = program.command('offset').description("move a durable subscriber's stored offset");
  adminCommand(offset, 'set', 'set the offset of a subscriber (refused while the daemon delivers to it)')
    .argument('<channel>')
    .argument('<subscriber>')
    .argument('<position>', 'beginning, end, a byte offset, or an RFC 3339 time', parsePosition)
    .action(async (channel: string, subscriber: string, to: WirePosition, flags: AdminFlags) => {
      printMove(ctx, await send(flags, { verb: 'offset-set', channel, subscriber, to }), flags);
    });
  adminCommand(offset, 'reset', 'reset the offset of a subscriber to the beginning (or --to end)')
    .argument('<channel>')
    .argument('<subscriber>')
    .option(
      '--to <end>',
      'beginning or end',
      (value) => {
        if (value !== 'beginning' && value !== 'end')
          throw new InvalidArgumentError('expected beginning or end');
        return value;
      },
      'beginning',
    )
    .action(async (channel: string, subscriber: string, flags: AdminFlags & { to: 'beginning' | 'end' }) => {
      printMove(ctx, await send(flags, { verb: 'offset-set', channel, subscriber, to: flags.to }), flags);
    });

  adminCommand(
    program,
    'unsubscribe',
    "remove a durable subscriber's offset file (it no longer holds compaction back)",
  )
    .argument('<channel>')
    .argument('<subscriber>')
    .action(async (channel: string, subscriber: string, flags: AdminFlags) => {
      const result = (await send(flags, { verb: 'unsubscribe', channel, subscriber })) as {
        id: string;
        offset: number;
      };
      if (flags.json === true) printJson(ctx, result, true);
      else ctx.stdout(`unsubscribed ${result.id} from ${channel} (it was at offset ${result.offset})\n`);
    });

  adminCommand(program, 'purge', 'delete every record of a channel (offsets stay valid; audited)')
    .argument('<channel>')
    .requiredOption('--yes', 'confirm: the records are deleted for good')
    .action(async (channel: string, flags: AdminFlags) => {
      const result = (await send(flags, { verb: 'purge', channel })) as { segments: number; bytes: number };
      if (flags.json === true) printJson(ctx, result, true);
      else ctx.stdout(`purged ${channel}: ${result.bytes} bytes in ${result.segments} segment(s)\n`);
    });

  adminCommand(
    program,
    'delete',
    'delete a channel for good: its records, offset files and dead-letter channel (refused while in use; audited)',
  )
    .argument('<channel>')
    .requiredOption('--yes', 'confirm: the channel and its subscribers are deleted for good')
    .action(async (channel: string, flags: AdminFlags) => {
      const result = (await send(flags, { verb: 'delete', channel })) as { channels: DeletedChannel[] };
      if (flags.json === true) printJson(ctx, result, true);
      else
        for (const deleted of result.channels)
          ctx.stdout(
            `deleted ${deleted.name}: ${deleted.bytes} bytes in ${deleted.segments} segment(s), ${deleted.subscribers.length} offset file(s)\n`,
          );
    });

  const deadLetter = program.command('dead-letter').description('the dead-letter channel of a channel');
  adminCommand(
    deadLetter,
    'replay',
    'append the dead-lettered messages of a channel to it again, then purge its dead-letter channel',
  )
    .argument('<channel>')
    .action(async (channel: string, flags: AdminFlags) => {
      const result = (await send(flags, { verb: 'dead-letter-replay', channel })) as {
        replayed: number;
        skipped: number;
      };
      if (flags.json === true) printJson(ctx, result, true);
      else
        ctx.stdout(
          `replayed ${result.replayed} message(s) to ${channel}${result.skipped > 0 ? `, skipped ${result.skipped} unreadable` : ''}\n`,
        );
    });
}

interface CatFlags extends AdminFlags {
  readonly from: WirePosition;
  readonly count?: number;
  readonly follow?: true;
  readonly durable?: string;
}

/** How long one `cat --follow` request waits for a record; short, so that a signal ends it soon. */
const FOLLOW_POLL_MS = 2_000;

/**
 * Prints the records of `channel` page by page: up to `--count`, to the end, or (`--follow`) until a
 * signal. A `--durable` reader starts at its stored offset and stores its progress after each page
 * (a record printed just before a crash is printed again: at least once).
 */
async function cat(
  ctx: CliContext,
  config: MessengerConfig,
  channel: string,
  flags: CatFlags,
): Promise<void> {
  const live = flags.follow === true || flags.durable !== undefined;
  const needs = live ? `cat ${flags.follow === true ? '--follow' : '--durable'}` : undefined;
  const call = (request: AdminRequest): Promise<unknown> => runAdmin(config, request, needs);
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

function printMove(ctx: CliContext, result: unknown, flags: AdminFlags): void {
  const move = result as { id: string; from: number; to: number };
  if (flags.json === true) printJson(ctx, move, true);
  else ctx.stdout(`${move.id}: offset ${move.from} -> ${move.to}\n`);
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
