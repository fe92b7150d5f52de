/**
 * `keyop-messenger request`: opens a request/reply stream to a service through a hub (as an ephemeral
 * client) and prints each data item; exits 0 on close 1000, 1 on any other close, 75 when the close is
 * retryable (see docs/conventions/streaming-rpc.md).
 */
import type { Command } from 'commander';
import { errorMessage } from '../../../internal/errors/index.js';
import { validatePublishChannel } from '../../../internal/naming/index.js';
import { StreamRpc } from '../../../src/index.js';
import type { CliContext } from '../cli.js';
import { createEphemeral, usageError, withHubOptions, type HubFlags } from './hub-connection.js';

interface RequestFlags extends HubFlags {
  readonly channel: string;
  readonly type: string;
  readonly timeout: string;
  readonly json?: true;
}

/** Registers `request --hub … --channel C --type T [--timeout MS] [--json] [JSON]`. */
export function register(program: Command, ctx: CliContext): void {
  withHubOptions(
    program
      .command('request')
      .description('open a request/reply stream to a service through a hub and print each response')
      .argument('[body]', 'the request body as JSON', 'null'),
  )
    .requiredOption('--channel <channel>', "the service's request channel")
    .requiredOption('--type <type>', 'request type')
    .option('--timeout <ms>', 'deadline of the request, in milliseconds', '30000')
    .option(
      '--json',
      'print each response as one line of JSON (default: strings as they are, values indented)',
    )
    .action(async (body: string, flags: RequestFlags, command: Command) => {
      try {
        validatePublishChannel(flags.channel);
      } catch (err) {
        usageError(command, `error: --channel: ${errorMessage(err)}`);
      }
      const timeoutMs = Number(flags.timeout);
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
        usageError(
          command,
          `error: --timeout: ${JSON.stringify(flags.timeout)} is not a positive whole number`,
        );
      }
      const request = parseBody(command, body);
      const em = createEphemeral(command, flags, { autoReconnect: false });
      const rpc = await StreamRpc.open(em);
      try {
        await em.connect();
        for await (const item of rpc.openStream(flags.channel, flags.type, request, { timeoutMs })) {
          ctx.stdout(`${flags.json === true ? JSON.stringify(item) : display(item)}\n`);
        }
      } finally {
        await rpc.close();
        await em.close();
      }
    });
}

function parseBody(command: Command, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return usageError(command, `error: the body argument is not JSON (${errorMessage(err)})`);
  }
}

function display(item: unknown): string {
  return typeof item === 'string' ? item : JSON.stringify(item, null, 2);
}
