/**
 * `keyop-messenger tail`: prints new messages until `--count` messages, SIGINT or SIGTERM (exit 0).
 * Two sources: a channel of the local daemon (`tail CHANNEL`, through its admin socket), which can
 * start anywhere (`--from`) and keep its position (`--durable ID`); or channels of a hub
 * (`tail --hub … --channel C`) as an ephemeral client, reconnecting as needed, live only (the hub
 * keeps no position for it, so `--from` and `--durable` are refused there), exit 1 on a refusal.
 */
import { type Command } from 'commander';
import type { WirePosition } from '../../../internal/admin/index.js';
import { encodeEnvelope } from '../../../internal/envelope/index.js';
import { ErrorCode, MessengerError, errorMessage } from '../../../internal/errors/index.js';
import {
  loadConfigFile,
  type EphemeralMessenger,
  type EphemeralStatus,
  type Message,
} from '../../../src/index.js';
import { CONFIG_PATH_ENV } from '../../../src/wiring/index.js';
import type { CliContext } from '../cli.js';
import { parsePosition, printChannel } from './channel-reader.js';
import { createEphemeral, usageError, withHubOptions, type HubFlags } from './hub-connection.js';
import { abortOnStopSignal } from './stop-on-signal.js';
import { wholeNumberAtLeastOne } from './whole-number.js';

interface TailFlags extends HubFlags {
  readonly channel?: readonly string[];
  readonly json?: true;
  readonly count?: number;
  readonly from?: WirePosition;
  readonly durable?: string;
  readonly config?: string;
}

/** Why `--from` and `--durable` are refused with `--hub`, and what does it instead. */
const LIVE_ONLY =
  'error: tail --hub is live-only: an ephemeral client gets the messages published while it is ' +
  'connected and the hub keeps no position for it, so --from and --durable do not apply. To start ' +
  'at the beginning, an offset or a time, or to resume where a reader stopped, follow a channel of ' +
  'the local daemon: tail CHANNEL --from POSITION | --durable ID [-c CONFIG]';

/** Registers `tail CHANNEL [--from P] [--durable ID]` and `tail --hub … --channel C [--channel C2]`. */
export function register(program: Command, ctx: CliContext): void {
  withHubOptions(
    program
      .command('tail')
      .description(
        'print new messages until interrupted: of CHANNEL of the local daemon, or of --channel through --hub (status on stderr)',
      )
      .argument('[channel]', 'a channel of the local daemon (the data dir of -c), instead of --hub'),
    false,
  )
    .option(
      '--channel <channel>',
      'with --hub: channel to print (repeatable)',
      (value: string, previous: readonly string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--json', 'print each message as its envelope JSON, one per line')
    .option('--count <n>', 'exit 0 after printing n messages', wholeNumberAtLeastOne('messages'))
    .option(
      '--from <position>',
      'with CHANNEL: start at beginning, end (default), a byte offset, or an RFC 3339 time',
      parsePosition,
    )
    .option(
      '--durable <id>',
      'with CHANNEL: read as the durable reader <id>: resume where it stopped (--from applies the first time), store progress as it prints',
    )
    .option(
      '-c, --config <file>',
      `with CHANNEL: config file naming the data dir (default: $${CONFIG_PATH_ENV}, else ./data)`,
    )
    .action(async (channel: string | undefined, flags: TailFlags, command: Command) => {
      if (channel !== undefined) {
        await tailLocal(ctx, channel, flags, command);
        return;
      }
      if (flags.hub === undefined || flags.channel === undefined) {
        usageError(command, 'error: tail needs a CHANNEL of the local daemon, or --hub and --channel');
      }
      if (flags.from !== undefined || flags.durable !== undefined) usageError(command, LIVE_ONLY);
      await tailHub(ctx, flags, flags.channel, command);
    });
}

/** Follows `channel` of the local daemon through its admin socket. */
async function tailLocal(
  ctx: CliContext,
  channel: string,
  flags: TailFlags,
  command: Command,
): Promise<void> {
  if (flags.hub !== undefined || flags.channel !== undefined) {
    usageError(
      command,
      'error: tail CHANNEL follows the local daemon; --hub and --channel tail through a hub: give one or the other',
    );
  }
  const { config } = await loadConfigFile(flags.config, process.env);
  const read = {
    from: flags.from ?? 'end',
    follow: true,
    ...(flags.count === undefined ? {} : { count: flags.count }),
    ...(flags.durable === undefined ? {} : { durable: flags.durable }),
    ...(flags.json === undefined ? {} : { json: flags.json }),
  } as const;
  await printChannel(ctx, config, channel, read, 'tail CHANNEL');
}

/** Prints the live messages of `channels` through the hub of `flags`. */
async function tailHub(
  ctx: CliContext,
  flags: TailFlags,
  channels: readonly string[],
  command: Command,
): Promise<void> {
  const em = createEphemeral(command, flags, { subscribe: channels, autoReconnect: true });
  const stop = new AbortController();
  let printed = 0;
  abortOnStopSignal(stop);
  for (const channel of channels) {
    em.subscribe(channel, (message) => {
      if (stop.signal.aborted) return;
      ctx.stdout(flags.json === true ? envelopeLine(message) : textLine(message));
      printed += 1;
      if (printed === flags.count) stop.abort();
    });
  }
  await tail(em, { hub: flags.hub ?? '', channels }, stop.signal, ctx);
}

/** Connects and reports the connection on stderr until `signal` aborts; throws the hub's refusal. */
async function tail(
  em: EphemeralMessenger,
  target: HubTarget,
  signal: AbortSignal,
  ctx: CliContext,
): Promise<void> {
  const statuses = reportStatuses(em, target, signal, ctx);
  try {
    await em.connect({ signal });
    await statuses;
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await em.close();
    await statuses.catch(() => undefined);
  }
}

async function reportStatuses(
  em: EphemeralMessenger,
  target: HubTarget,
  signal: AbortSignal,
  ctx: CliContext,
): Promise<void> {
  for await (const status of em.status({ signal })) {
    const line = describeStatus(status, target);
    if (line !== undefined) ctx.stderr(`tail: ${line}\n`);
    if (status.state === 'rejected')
      throw status.error ?? new MessengerError(ErrorCode.EPHEMERAL_REJECTED, 'the hub refused this client');
  }
}

/** Where a hub tail reads, for its status lines. */
interface HubTarget {
  readonly hub: string;
  readonly channels: readonly string[];
}

function describeStatus(status: EphemeralStatus, target: HubTarget): string | undefined {
  const why = status.error === undefined ? '' : `: ${errorMessage(status.error)}`;
  switch (status.state) {
    case 'connected':
      return `connected to ${status.hub ?? '?'} at ${target.hub} (channels: ${target.channels.join(', ')})`;
    case 'disconnected':
      return `disconnected${why}`;
    case 'reconnecting':
      return `reconnecting in ${status.delayMs ?? 0} ms (attempt ${status.attempt ?? 0})`;
    case 'rejected':
    case 'idle':
    case 'connecting':
    case 'closed':
      return undefined;
  }
}

/** `<ts> <channel> <origin> <payload type> <payload JSON>`. */
function textLine(message: Message): string {
  return `${message.ts} ${message.channel} ${message.origin} ${message.payloadType} ${JSON.stringify(message.payload)}\n`;
}

/** The message as its full envelope (`v` first, wire field names, the stored field order), on one line. */
function envelopeLine(message: Message): string {
  const header = {
    id: message.id,
    ts: message.ts,
    channel: message.channel,
    origin: message.origin,
    payloadType: message.payloadType,
    correlationId: message.correlationId,
    serviceName: message.serviceName,
    route: message.route,
  };
  return `${encodeEnvelope(header, JSON.stringify(message.payload))}\n`;
}
