/**
 * `keyop-messenger sk lease acquire|release|show` and `sk workers`: leases and the worker inventory of a
 * streamkit store (docs/conventions/streamkit.md §8-§9), through a hub to the store's authority, or
 * read from a stopped instance's data dir (`show`, `workers`). Output is JSON lines.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import {
  inventoryToWire,
  leaseToWire,
  MAX_LEASE_TTL_SECONDS,
  MIN_LEASE_TTL_SECONDS,
  type LeaseState,
  type WorkerInventory,
} from '../../../internal/streamkit/index.js';
import type { CliContext } from '../cli.js';
import { usageError, withHubOptions } from './hub-connection.js';
import { withHubCoordinator } from './sk-hub.js';
import { withLocalStore } from './sk-local.js';
import { abortOnStopSignal } from './stop-on-signal.js';
import { checkNames, local, requireOneSource, storeOptions, type StoreFlags } from './sk-options.js';

interface LeaseFlags extends StoreFlags {
  readonly holder?: string;
  readonly ttl: number;
}

interface WorkersFlags extends StoreFlags {
  readonly follow: boolean;
}

/** How long `sk workers` follows at most (the rpc deadline of its watch stream). */
const WATCH_DEADLINE_MS = 24 * 3600_000;

/** Registers `sk lease acquire|release|show`. */
export function registerLease(sk: Command, ctx: CliContext): void {
  const lease = sk
    .command('lease')
    .description("leases of a store, decided by its authority (through a hub); prints the lease's state");
  hubVerb(lease, 'acquire', 'acquire (or refresh, same --holder) a lease; prints it with its fence')
    .option('--holder <holder>', 'the holder (default: a new random UUID, printed)')
    .requiredOption('--ttl <seconds>', 'the lease duration, 1 to 86400 seconds', ttlSeconds)
    .action(async (key: string, flags: LeaseFlags, command: Command) => {
      checkNames(command, flags);
      const holder = flags.holder ?? randomUUID();
      const state = await withHubCoordinator(command, flags, where(flags), (c) =>
        c.acquire(key, holder, flags.ttl),
      );
      printLease(ctx, state);
    });
  hubVerb(lease, 'release', 'release a lease held by --holder')
    .requiredOption('--holder <holder>', 'the holder')
    .action(async (key: string, flags: LeaseFlags, command: Command) => {
      checkNames(command, flags);
      const holder = flags.holder ?? '';
      const state = await withHubCoordinator(command, flags, where(flags), (c) => c.release(key, holder));
      printLease(ctx, state);
    });
  withHubOptions(
    storeOptions(
      lease
        .command('show')
        .argument('[key]', 'only this lease key')
        .description(
          'print the leases of the store (released ones too: their fence stays), through a hub or from a data dir',
        ),
    ),
    false,
  ).action(async (key: string | undefined, flags: StoreFlags, command: Command) => {
    checkNames(command, flags);
    requireOneSource(command, flags);
    const states =
      flags.dataDir === undefined
        ? await withHubCoordinator(command, flags, where(flags), (c) => c.leases(key))
        : await withLocalStore(local(flags, flags.dataDir), ctx.stderr, async (store) =>
            (await store.coordination()).leases.list().filter((s) => key === undefined || s.key === key),
          );
    for (const state of states) printLease(ctx, state);
  });
}

/** Registers `sk workers`. */
export function registerWorkers(sk: Command, ctx: CliContext): void {
  withHubOptions(
    storeOptions(
      sk
        .command('workers')
        .description(
          "print the store's worker inventory, then each new one until interrupted (through a hub); or the last one in a data dir",
        ),
    ),
    false,
  )
    .option('--no-follow', 'print the current inventory and exit')
    .action(async (flags: WorkersFlags, command: Command) => {
      checkNames(command, flags);
      requireOneSource(command, flags);
      if (flags.dataDir !== undefined) {
        const inventory = await withLocalStore(local(flags, flags.dataDir), ctx.stderr, async (store) => {
          return (await store.coordination()).inventory.current;
        });
        printInventory(ctx, inventory);
        return;
      }
      const stop = new AbortController();
      if (flags.follow) abortOnStopSignal(stop);
      await withHubCoordinator(command, flags, where(flags), async (c) => {
        for await (const inventory of c.watchWorkers(stop.signal, WATCH_DEADLINE_MS)) {
          printInventory(ctx, inventory);
          if (!flags.follow) stop.abort();
        }
      });
    });
}

/** A lease verb that goes through a hub: the key argument and the hub options. */
function hubVerb(lease: Command, name: string, description: string): Command {
  return withHubOptions(
    storeOptions(lease.command(name).argument('<key>', 'the lease key').description(description)),
  ).hook('preAction', (_lease, action) => {
    if (action.opts<StoreFlags>().dataDir !== undefined) {
      usageError(action, `error: lease ${name} goes through --hub to the store's authority`);
    }
  });
}

function where(flags: StoreFlags): { store: string; authority: string | undefined; timeoutMs: number } {
  return { store: flags.store, authority: flags.authority, timeoutMs: flags.timeout };
}

function ttlSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < MIN_LEASE_TTL_SECONDS || n > MAX_LEASE_TTL_SECONDS) {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)}: must be between ${MIN_LEASE_TTL_SECONDS} and ${MAX_LEASE_TTL_SECONDS} seconds`,
    );
  }
  return n;
}

function printLease(ctx: CliContext, state: LeaseState): void {
  ctx.stdout(`${JSON.stringify(leaseToWire(state))}\n`);
}

function printInventory(ctx: CliContext, inventory: WorkerInventory): void {
  ctx.stdout(`${JSON.stringify(inventoryToWire(inventory))}\n`);
}
