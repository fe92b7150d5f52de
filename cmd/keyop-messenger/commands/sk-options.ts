/** What the `sk` verbs share: the store options, reading them, and checking names as usage errors. */
import { InvalidArgumentError, type Command } from 'commander';
import { errorMessage } from '../../../internal/errors/index.js';
import { validateSegment, validateSpace, validateStore } from '../../../internal/streamkit/index.js';
import { usageError, type HubFlags } from './hub-connection.js';
import type { LocalStoreFlags } from './sk-local.js';

/** The options every `sk` verb takes. */
export interface StoreFlags extends HubFlags {
  readonly store: string;
  readonly dataDir?: string;
  readonly authority?: string;
  readonly timeout: number;
}

/** `--store` (required), `--data-dir`, `--authority` and `--timeout`. */
export function storeOptions(command: Command): Command {
  return command
    .requiredOption('--store <store>', 'the store name')
    .option('--data-dir <dir>', 'data dir of a STOPPED instance, read without changing anything')
    .option(
      '--authority <name>',
      "the store's authority instance (default: whoever wrote each space's first transaction)",
    )
    .option('--timeout <ms>', 'deadline of a request through a hub, in milliseconds', wholeNumber, 10_000);
}

/** Where a verb reads a stopped instance's data dir. */
export function local(flags: StoreFlags, dataDir: string): LocalStoreFlags {
  return {
    dataDir,
    store: flags.store,
    ...(flags.authority === undefined ? {} : { authority: flags.authority }),
  };
}

/** Bad names are usage errors, found before anything is opened. */
export function checkNames(command: Command, flags: StoreFlags & { space?: string; segment?: string }): void {
  try {
    validateStore(flags.store);
    if (flags.space !== undefined) validateSpace(flags.space);
    if (flags.segment !== undefined) validateSegment(flags.segment);
  } catch (err) {
    usageError(command, `error: ${errorMessage(err)}`);
  }
}

/** Reads a whole number ≥ 0 (commander option parser). */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a whole number ≥ 0`);
  }
  return n;
}

/** Exactly one of `--data-dir` (a stopped instance) and `--hub`; a usage error otherwise. */
export function requireOneSource(command: Command, flags: StoreFlags): void {
  if ((flags.hub === undefined) === (flags.dataDir === undefined)) {
    usageError(command, 'error: give one of --data-dir (a stopped instance) and --hub');
  }
}
