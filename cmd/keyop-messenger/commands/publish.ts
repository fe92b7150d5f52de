/**
 * `keyop-messenger publish`: publishes one message, or one per stdin line, through a hub as an
 * ephemeral client, and exits 0 only once the hub acknowledged every message.
 */
import readline from 'node:readline';
import type { Command } from 'commander';
import { ErrorCode, MessengerError, errorMessage } from '../../../internal/errors/index.js';
import { validatePublishChannel } from '../../../internal/naming/index.js';
import type { EphemeralMessenger, EphemeralReceipt } from '../../../src/index.js';
import type { CliContext } from '../cli.js';
import { createEphemeral, usageError, withHubOptions, type HubFlags } from './hub-connection.js';

interface PublishFlags extends HubFlags {
  readonly channel: string;
  readonly type: string;
  readonly correlationId?: string;
  readonly service?: string;
}

/** Publishes sent ahead of the oldest unacknowledged one, so stdin input shares frames. */
const WINDOW = 256;

/** Registers `publish --hub … --channel C --type T [JSON | -]`. */
export function register(program: Command, ctx: CliContext): void {
  withHubOptions(
    program
      .command('publish')
      .description(
        'publish a message through a hub and wait for its acknowledgement (prints each message id)',
      )
      .argument('[payload]', 'the payload as JSON, or - (the default) for one JSON payload per stdin line'),
  )
    .requiredOption('--channel <channel>', 'channel to publish to')
    .requiredOption('--type <type>', 'payload type')
    .option('--correlation-id <id>', 'correlation id stamped on every message')
    .option('--service <name>', 'service name stamped on every message')
    .action(async (payload: string | undefined, flags: PublishFlags, command: Command) => {
      try {
        validatePublishChannel(flags.channel);
      } catch (err) {
        usageError(command, `error: --channel: ${errorMessage(err)}`);
      }
      const payloads =
        payload === undefined || payload === '-' ? stdinPayloads() : [parseArgument(command, payload)];
      const em = createEphemeral(command, flags, { autoReconnect: false });
      try {
        await em.connect();
        await publishAll(em, flags, payloads, ctx);
      } finally {
        await em.close();
      }
    });
}

function parseArgument(command: Command, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return usageError(
      command,
      `error: the payload argument is not JSON (${errorMessage(err)}); use - to read stdin`,
    );
  }
}

/** Each non-empty stdin line parsed as JSON; a line that is not is ERR_INVALID_ARGUMENT. */
async function* stdinPayloads(): AsyncGenerator {
  let number = 0;
  for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch (err) {
      throw new MessengerError(
        ErrorCode.INVALID_ARGUMENT,
        `stdin line ${number} is not JSON (${errorMessage(err)}); nothing after it was published`,
        { cause: err },
      );
    }
  }
}

/**
 * Publishes every payload with up to {@link WINDOW} unacknowledged, printing ids in input order. The
 * first failure stops reading; what was sent before it is still waited for, then it is thrown.
 */
async function publishAll(
  em: EphemeralMessenger,
  flags: PublishFlags,
  payloads: Iterable<unknown> | AsyncIterable<unknown>,
  ctx: CliContext,
): Promise<void> {
  const options = {
    ...(flags.correlationId === undefined ? {} : { correlationId: flags.correlationId }),
    ...(flags.service === undefined ? {} : { serviceName: flags.service }),
  };
  const unacked: Promise<EphemeralReceipt>[] = [];
  const settleOldest = async (): Promise<void> => {
    const oldest = unacked.shift();
    if (oldest !== undefined) ctx.stdout(`${(await oldest).id}\n`);
  };
  const failures: unknown[] = [];
  try {
    for await (const payload of payloads) {
      const receipt = em.publish(flags.channel, flags.type, payload, options);
      // A failure is reported once, when its turn comes; keep it from going unhandled until then.
      receipt.catch(() => undefined);
      unacked.push(receipt);
      if (unacked.length >= WINDOW) await settleOldest();
    }
  } catch (err) {
    failures.push(err);
  }
  // What was sent before a failure (or a line that is not JSON) is still waited for.
  while (unacked.length > 0) await settleOldest().catch((err: unknown) => failures.push(err));
  if (failures.length > 0) throw failures[0];
}
