/**
 * The command-line shell: one commander program, commands that register themselves, and the mapping
 * of outcomes to exit codes. Output goes through {@link CliContext}, so the shell never touches
 * `process` directly and stays testable.
 */
import { Command, CommanderError } from 'commander';
import { ErrorCode, errorMessage, hasErrorCode } from '../../internal/errors/index.js';
import { versionLine } from './version-line.js';

export { versionLine };

/** Process exit codes (sysexits-style 78 lets systemd skip restarts on a bad config). */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The command ran and failed. */
  FAILURE: 1,
  /** Bad usage: unknown command or option, missing or invalid argument. */
  USAGE: 2,
  /**
   * A temporary failure worth retrying, e.g. a request stream closed 1001 or 1006, a retryable
   * streamkit error (EX_TEMPFAIL).
   */
  TEMPFAIL: 75,
  /** Invalid configuration (EX_CONFIG). */
  CONFIG: 78,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What every command gets: the package version and the two output streams. */
export interface CliContext {
  /** The package version. */
  readonly version: string;
  /** Writes results (stdout). */
  readonly stdout: (text: string) => void;
  /** Writes diagnostics (stderr). */
  readonly stderr: (text: string) => void;
}

/** A command module's entry point: adds its command(s) to `program`. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Commander error codes that mean the command line itself was wrong. */
const USAGE_ERRORS = new Set([
  'commander.unknownCommand',
  'commander.unknownOption',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.excessArguments',
  'commander.conflictingOption',
]);

/**
 * Builds the program. Settings are applied before the commands register, because commander copies
 * them (exit override, output streams) into each subcommand as it is created.
 */
export function createProgram(ctx: CliContext, commands: readonly RegisterCommand[]): Command {
  const program = new Command('keyop-messenger')
    .description('federated pub-sub daemon and certificate tool')
    .version(versionLine(ctx), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr });
  for (const register of commands) register(program, ctx);
  return program;
}

/**
 * Runs the command line `argv` (as in `process.argv`) and resolves to the exit code. Commander reports
 * its own usage errors; any other failure is printed as `error: <message>` on stderr.
 */
export async function runCli(
  argv: readonly string[],
  ctx: CliContext,
  commands: readonly RegisterCommand[],
): Promise<ExitCode> {
  try {
    await createProgram(ctx, commands).parseAsync(argv);
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (USAGE_ERRORS.has(err.code)) return ExitCode.USAGE;
      // `help`, `--help` and `--version` end with 0; help shown because no subcommand was given, with 1.
      if (err.code === 'commander.help') return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      if (err.exitCode === 0) return ExitCode.OK;
    }
    ctx.stderr(`error: ${errorMessage(err)}\n`);
    if (await isRetryable(err)) return ExitCode.TEMPFAIL;
    return hasErrorCode(err, ErrorCode.CONFIG) ? ExitCode.CONFIG : ExitCode.FAILURE;
  }
}

/**
 * Whether `err` is a retryable request-stream or streamkit failure. The two error classes are loaded
 * only here, on the failure path, so that starting a command does not load rpc and streamkit.
 */
async function isRetryable(err: unknown): Promise<boolean> {
  const [{ RpcCloseError }, { StreamkitError }] = await Promise.all([
    import('../../internal/rpc/index.js'),
    import('../../internal/streamkit/index.js'),
  ]);
  return (err instanceof RpcCloseError || err instanceof StreamkitError) && err.retryable;
}
