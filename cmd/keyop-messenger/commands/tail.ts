/**
 * `keyop-messenger tail`: prints the live messages of channels through a hub as an ephemeral client,
 * reconnecting as needed, until `--count` messages, SIGINT or SIGTERM (exit 0) or a refusal by the hub
 * (exit 1). Tail is live-only (an ephemeral client has no offset on the hub), so `--from` is refused.
 */
import { Option, type Command } from 'commander';
import { encodeEnvelope } from '../../../internal/envelope/index.js';
import { errorMessage } from '../../../internal/errors/index.js';
import type { EphemeralMessenger, EphemeralStatus, Message } from '../../../src/index.js';
import type { CliContext } from '../cli.js';
import { abortOnStopSignal } from '../daemon/stop-signals.js';
import { createEphemeral, usageError, withHubOptions, type HubFlags } from './hub-connection.js';
import { wholeNumberAtLeastOne } from './whole-number.js';

interface TailFlags extends HubFlags {
  readonly channel: readonly string[];
  readonly json?: true;
  readonly count?: number;
  readonly from?: string;
}

/** Why `--from` is refused, and where history can be read instead. */
const LIVE_ONLY =
  'error: tail --from is not supported: tail is live-only (an ephemeral client gets the messages ' +
  'published while it is connected; the hub keeps no position for it). To read from the beginning, ' +
  'an offset or a time, subscribe durably through the library: messenger.subscribe(channel, id, ' +
  "handler, { from: 'beginning' | offset | { time } })";

/** How long closing may take after the first signal; a second signal exits at once. */
const CLOSE_DEADLINE_MS = 5_000;

/** Registers `tail --hub … --channel C [--channel C2] [--json] [--count N]`. */
export function register(program: Command, ctx: CliContext): void {
  withHubOptions(
    program
      .command('tail')
      .description('print live messages of channels through a hub until interrupted (status on stderr)'),
  )
    .requiredOption(
      '--channel <channel>',
      'channel to print (repeatable)',
      (value: string, previous: readonly string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--json', 'print each message as its envelope JSON, one per line')
    .option('--count <n>', 'exit 0 after printing n messages', wholeNumberAtLeastOne('messages'))
    // Hidden: accepted only to explain that tail is live-only (see LIVE_ONLY).
    .addOption(new Option('--from <position>').hideHelp())
    .action(async (flags: TailFlags, command: Command) => {
      if (flags.from !== undefined) usageError(command, LIVE_ONLY);
      const em = createEphemeral(command, flags, { subscribe: flags.channel, autoReconnect: true });
      const stop = new AbortController();
      let printed = 0;
      abortOnStopSignal(stop, CLOSE_DEADLINE_MS);
      for (const channel of flags.channel) {
        em.subscribe(channel, (message) => {
          if (stop.signal.aborted) return;
          ctx.stdout(flags.json === true ? envelopeLine(message) : textLine(message));
          printed += 1;
          if (printed === flags.count) stop.abort();
        });
      }
      await tail(em, flags, stop.signal, ctx);
    });
}

/** Connects and reports the connection on stderr until `signal` aborts; throws the hub's refusal. */
async function tail(
  em: EphemeralMessenger,
  flags: TailFlags,
  signal: AbortSignal,
  ctx: CliContext,
): Promise<void> {
  const statuses = reportStatuses(em, flags, signal, ctx);
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
  flags: TailFlags,
  signal: AbortSignal,
  ctx: CliContext,
): Promise<void> {
  for await (const status of em.status({ signal })) {
    const line = describeStatus(status, flags);
    if (line !== undefined) ctx.stderr(`tail: ${line}\n`);
    if (status.state === 'rejected') throw status.error ?? new Error('the hub refused this client');
  }
}

function describeStatus(status: EphemeralStatus, flags: TailFlags): string | undefined {
  const why = status.error === undefined ? '' : `: ${errorMessage(status.error)}`;
  switch (status.state) {
    case 'connected':
      return `connected to ${status.hub ?? '?'} at ${flags.hub} (channels: ${flags.channel.join(', ')})`;
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
