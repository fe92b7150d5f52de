/**
 * `keyop-messenger sk …`: an operator's view of streamkit stores (docs/conventions/streamkit.md).
 * Reads work on a stopped instance's data dir, read-only (`--data-dir`); `produce` and `peek` also go
 * through a hub to the store's authority as an ephemeral client (`--hub`). Output is JSON lines.
 */
import type { Command } from 'commander';
import {
  entryToWire,
  statusToWire,
  type SkStore,
  type StreamEntry,
} from '../../../internal/streamkit/index.js';
import { ErrorCode, MessengerError } from '../../../internal/errors/index.js';
import type { CliContext } from '../cli.js';
import { usageError, withHubOptions } from './hub-connection.js';
import { peekThroughHub, produceThroughHub } from './sk-hub.js';
import { readRecords } from './sk-input.js';
import { registerLease, registerWorkers } from './sk-lease.js';
import { withLocalStore } from './sk-local.js';
import {
  checkNames,
  local,
  requireOneSource,
  storeOptions,
  wholeNumber,
  type StoreFlags,
} from './sk-options.js';

interface SegmentFlags extends StoreFlags {
  readonly space: string;
  readonly segment: string;
}

interface ProduceFlags extends SegmentFlags {
  readonly expectedLastSequence: number | 'any';
  readonly records?: true;
}

interface ConsumeFlags extends StoreFlags {
  readonly space: string;
  readonly segment?: string;
  readonly after?: number;
  readonly minSequence?: number;
  readonly maxSequence?: number;
  readonly minTimestamp?: number;
  readonly maxTimestamp?: number;
  readonly limit?: number;
}

/** Registers `sk produce|consume|peek|spaces|segments|status|lease|workers`. */
export function register(program: Command, ctx: CliContext): void {
  const sk = program
    .command('sk')
    .description(
      "streamkit stores: produce, leases and workers through a hub; read a stopped instance's data dir (JSON lines)",
    );
  registerProduce(sk, ctx);
  registerPeek(sk, ctx);
  registerLease(sk, ctx);
  registerWorkers(sk, ctx);
  registerConsume(sk, ctx);
  registerLocal(sk, ctx, 'spaces', "print the store's spaces", (store) => {
    for (const space of store.getSpaces()) ctx.stdout(`${JSON.stringify(space)}\n`);
  });
  registerLocal(sk, ctx, 'segments', 'print the segments of --space', (store, { space }) => {
    for (const segment of store.getSegments(space)) ctx.stdout(`${JSON.stringify(segment)}\n`);
  }).requiredOption('--space <space>', 'the space');
  registerLocal(
    sk,
    ctx,
    'status',
    'print the status of --segment of --space, or of every segment of --space',
    (store, flags) => {
      const { space } = flags;
      const segments = flags.segment === undefined ? store.getSegments(space) : [flags.segment];
      for (const segment of segments) {
        const status = store.status(space, segment);
        if (status === undefined) {
          throw new MessengerError(ErrorCode.INVALID_ARGUMENT, `segment ${space}/${segment} has no entry`);
        }
        ctx.stdout(`${JSON.stringify(statusToWire(status))}\n`);
      }
    },
  )
    .requiredOption('--space <space>', 'the space')
    .option('--segment <segment>', 'the segment (default: every segment of the space)');
}

function registerProduce(sk: Command, ctx: CliContext): void {
  withHubOptions(
    storeOptions(
      sk
        .command('produce')
        .description(
          'produce the records on stdin (one per line) as one transaction through a hub to the authority; prints the segment status',
        ),
    ),
  )
    .requiredOption('--space <space>', 'the space')
    .requiredOption('--segment <segment>', 'the segment')
    .requiredOption(
      '--expected-last-sequence <n|any>',
      "the segment's last sequence you expect (0 = empty), or any",
      (value: string) => (value === 'any' ? 'any' : wholeNumber(value)),
    )
    .option('--records', 'each line is a record object {data | data_b64, metadata?, sequence?}, not its data')
    .action(async (flags: ProduceFlags, command: Command) => {
      if (flags.dataDir !== undefined) {
        usageError(
          command,
          "error: produce writes: it goes through --hub to the store's authority (a --data-dir is only read)",
        );
      }
      checkNames(command, flags);
      const records = await readRecords(process.stdin, flags.records === true);
      const status = await produceThroughHub(command, flags, {
        store: flags.store,
        space: flags.space,
        segment: flags.segment,
        records,
        expectedLastSequence: flags.expectedLastSequence,
        timeoutMs: flags.timeout,
      });
      ctx.stdout(`${JSON.stringify(statusToWire(status))}\n`);
    });
}

function registerPeek(sk: Command, ctx: CliContext): void {
  withHubOptions(
    storeOptions(
      sk
        .command('peek')
        .description(
          'print the latest entry of a segment (sequence 0 when it has none), locally or through a hub',
        ),
    ),
    false,
  )
    .requiredOption('--space <space>', 'the space')
    .requiredOption('--segment <segment>', 'the segment')
    .action(async (flags: SegmentFlags, command: Command) => {
      checkNames(command, flags);
      requireOneSource(command, flags);
      const entry =
        flags.dataDir === undefined
          ? await peekThroughHub(command, flags, { ...flags, timeoutMs: flags.timeout })
          : await withLocalStore(local(flags, flags.dataDir), ctx.stderr, (store) =>
              store.peek(flags.space, flags.segment),
            );
      ctx.stdout(entryLine(entry));
    });
}

function registerConsume(sk: Command, ctx: CliContext): void {
  storeOptions(
    sk
      .command('consume')
      .description(
        'print the entries of --segment in sequence order, or of the whole --space in commit order after --after',
      ),
  )
    .requiredOption('--space <space>', 'the space')
    .option('--segment <segment>', 'the segment (without it: the whole space in commit order)')
    .option('--after <position>', 'space only: start strictly after this position (0 = start)', wholeNumber)
    .option('--min-sequence <n>', 'segment only: first sequence, inclusive (0 = open)', wholeNumber)
    .option('--max-sequence <n>', 'segment only: last sequence, inclusive (0 = open)', wholeNumber)
    .option('--min-timestamp <ms>', 'entries stamped after this (exclusive; 0 = open)', wholeNumber)
    .option('--max-timestamp <ms>', 'entries stamped at or before this (0 = open)', wholeNumber)
    .option('--limit <n>', 'most entries (0 = none; at most 10,000,000)', wholeNumber)
    .action(async (flags: ConsumeFlags, command: Command) => {
      const dataDir = requireDataDir(command, flags);
      checkNames(command, flags);
      const bySegment = flags.segment !== undefined;
      if (bySegment && flags.after !== undefined)
        usageError(command, 'error: --after is for a space; drop --segment');
      if (!bySegment && (flags.minSequence !== undefined || flags.maxSequence !== undefined)) {
        usageError(command, 'error: --min-sequence and --max-sequence need --segment');
      }
      const window = {
        minTimestamp: flags.minTimestamp ?? 0,
        maxTimestamp: flags.maxTimestamp ?? 0,
        limit: flags.limit ?? 0,
      };
      await withLocalStore(local(flags, dataDir), ctx.stderr, async (store) => {
        const entries =
          flags.segment === undefined
            ? store.consumeSpace(flags.space, flags.after ?? 0, window)
            : store.consumeSegment(flags.space, flags.segment, {
                ...window,
                minSequence: flags.minSequence ?? 0,
                maxSequence: flags.maxSequence ?? 0,
              });
        for await (const entry of entries) ctx.stdout(entryLine(entry));
      });
    });
}

/** A verb that only reads a data dir; returns the command, for the options it adds (`--space` …). */
function registerLocal(
  sk: Command,
  ctx: CliContext,
  name: string,
  description: string,
  read: (store: SkStore, flags: SegmentFlags) => void,
): Command {
  return storeOptions(sk.command(name).description(description)).action(
    async (flags: SegmentFlags, command: Command) => {
      const dataDir = requireDataDir(command, flags);
      checkNames(command, flags);
      await withLocalStore(local(flags, dataDir), ctx.stderr, (store) => {
        read(store, flags);
      });
    },
  );
}

function requireDataDir(command: Command, flags: StoreFlags): string {
  if (flags.hub !== undefined) {
    usageError(command, 'error: only produce, peek, lease and workers go through a hub');
  }
  if (flags.dataDir === undefined)
    usageError(command, "error: --data-dir is required (a stopped instance's data dir)");
  return flags.dataDir;
}

function entryLine(entry: StreamEntry): string {
  return `${JSON.stringify(entryToWire(entry))}\n`;
}
