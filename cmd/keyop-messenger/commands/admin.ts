/**
 * The admin verbs: `channels`, `stats`, `subscribers`, `cat`, `offset set|reset`, `unsubscribe`,
 * `purge`, `delete` and `dead-letter replay`. Each goes to the running daemon's admin socket, or (no daemon)
 * to the stopped data dir; see `runAdmin`.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  type AdminRequest,
  type ChannelInfo,
  type DeletedChannel,
  type SubscriberInfo,
  type WirePosition,
} from '../../../internal/admin/index.js';
import { loadConfigFile } from '../../../src/index.js';
import { CONFIG_PATH_ENV } from '../../../src/wiring/index.js';
import { runAdmin } from '../admin/client.js';
import type { CliContext } from '../cli.js';
import { parsePosition, printChannel, type ReadFlags } from './channel-reader.js';
import { wholeNumberAtLeastOne } from './whole-number.js';

interface AdminFlags {
  readonly config?: string;
  readonly json?: true;
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
    .action(async (channel: string, flags: ReadFlags & AdminFlags) => {
      const { config } = await loadConfigFile(flags.config, process.env);
      await printChannel(
        ctx,
        config,
        channel,
        flags,
        `cat ${flags.follow === true ? '--follow' : '--durable'}`,
      );
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

function printMove(ctx: CliContext, result: unknown, flags: AdminFlags): void {
  const move = result as { id: string; from: number; to: number };
  if (flags.json === true) printJson(ctx, move, true);
  else ctx.stdout(`${move.id}: offset ${move.from} -> ${move.to}\n`);
}
