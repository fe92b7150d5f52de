/**
 * What `publish` and `tail` share: the options that reach a hub (`--hub`, `--cert/--key/--ca`, `--name`)
 * and building the EphemeralMessenger from them, bad values being usage errors (exit 2).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../../internal/errors/index.js';
import { EphemeralMessenger, type EphemeralConfig } from '../../../src/index.js';

/** The parsed hub options. */
export interface HubFlags {
  readonly hub?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly name?: string;
}

/** Adds `--hub` (required unless `hubRequired` is false), `--cert`, `--key`, `--ca` and `--name` to `command`. */
export function withHubOptions(command: Command, hubRequired = true): Command {
  return (
    hubRequired
      ? command.requiredOption('--hub <addr>', 'host:port of the hub')
      : command.option('--hub <addr>', 'host:port of the hub')
  )
    .option('--cert <file>', 'client certificate (PEM); its CN is the client identity')
    .option('--key <file>', 'client private key (PEM)')
    .option('--ca <file>', 'CA certificate the hub must chain to (PEM)')
    .option('--name <name>', 'instance name (default: the certificate CN; required without TLS)');
}

/**
 * Builds the client. TLS needs all of `--cert`, `--key` and `--ca` (or none, for a plain ws:// hub on a
 * trusted network); any configuration problem exits 2 with the problems listed.
 */
export function createEphemeral(
  command: Command,
  flags: HubFlags,
  settings: Pick<EphemeralConfig, 'subscribe' | 'autoReconnect'>,
): EphemeralMessenger {
  const tlsFlags = [flags.cert, flags.key, flags.ca];
  if (tlsFlags.some((f) => f !== undefined) && !tlsFlags.every((f) => f !== undefined)) {
    usageError(
      command,
      'error: --cert, --key and --ca go together (all three for TLS, none for plain ws://)',
    );
  }
  try {
    return new EphemeralMessenger({
      hubAddr: flags.hub ?? '',
      ...(flags.name === undefined ? {} : { instanceName: flags.name }),
      ...(flags.cert === undefined || flags.key === undefined || flags.ca === undefined
        ? {}
        : { tls: { cert: flags.cert, key: flags.key, ca: flags.ca } }),
      ...settings,
    });
  } catch (err) {
    if (err instanceof ConfigError) usageError(command, `error: ${err.issues.join('; ')}`);
    throw err;
  }
}

/** Reports a usage problem and exits 2 (via commander, so the shell maps it like its own errors). */
export function usageError(command: Command, message: string): never {
  command.error(message, { exitCode: 2, code: 'commander.invalidArgument' });
}
