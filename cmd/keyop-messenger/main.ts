#!/usr/bin/env node
/**
 * The `keyop-messenger` executable. Each command module registers itself; a command line naming one
 * command loads only that module, so a quick command does not pay for the others; `version` and
 * `--version` alone load none, nor the command-line parser.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CliContext, RegisterCommand } from './cli.js';
import { versionLine } from './version-line.js';

/** A command module: the names that select it and how to load it. */
interface CommandModule {
  readonly names: readonly string[];
  readonly load: () => Promise<{ register: RegisterCommand }>;
}

/** Every command module, in the order help lists them. */
const COMMANDS: readonly CommandModule[] = [
  { names: ['run'], load: () => import('./commands/run.js') },
  { names: ['publish'], load: () => import('./commands/publish.js') },
  { names: ['tail'], load: () => import('./commands/tail.js') },
  { names: ['request'], load: () => import('./commands/request.js') },
  { names: ['sk'], load: () => import('./commands/sk.js') },
  { names: ['gen-cert', 'keygen'], load: () => import('./commands/gen-cert.js') },
  {
    names: [
      'channels',
      'stats',
      'subscribers',
      'cat',
      'offset',
      'unsubscribe',
      'purge',
      'delete',
      'dead-letter',
    ],
    load: () => import('./commands/admin.js'),
  },
  { names: ['version'], load: () => import('./commands/version.js') },
  // `completion` describes every command, so it is never loaded alone.
  { names: [], load: () => import('./commands/completion.js') },
];

/** The arguments that, alone, ask for the version: answered without loading commander. */
const VERSION_ONLY = new Set(['version', '--version', '-V']);

/** Whether the command line `argv` asks for the version and nothing else. */
function asksVersionOnly(argv: readonly string[]): boolean {
  const [only, ...rest] = argv.slice(2);
  return only !== undefined && rest.length === 0 && VERSION_ONLY.has(only);
}

/** The modules the command line `argv` needs: the one it names, none for `--version`, else all. */
function modulesFor(argv: readonly string[]): readonly CommandModule[] {
  const first = argv[2];
  if (first === '--version' || first === '-V') return [];
  const chosen = COMMANDS.find((module) => first !== undefined && module.names.includes(first));
  return chosen === undefined ? COMMANDS : [chosen];
}

/**
 * The package's package.json: two levels above the bundle (dist/bundle/cli.js), three above tsc's
 * file (dist/cmd/keyop-messenger/main.js).
 */
const PACKAGE_JSON = ['../../package.json', '../../../package.json']
  .map((relative) => new URL(relative, import.meta.url))
  .find((url) => existsSync(url));

/** The version in package.json. */
function packageVersion(): string {
  if (PACKAGE_JSON === undefined) return 'unknown';
  const pkg: unknown = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

const context: CliContext = {
  version: packageVersion(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

if (asksVersionOnly(process.argv)) {
  context.stdout(`${versionLine(context)}\n`);
} else {
  const [{ runCli }, ...modules] = await Promise.all([
    import('./cli.js'),
    ...modulesFor(process.argv).map((module) => module.load()),
  ]);
  process.exitCode = await runCli(
    process.argv,
    context,
    modules.map((module) => module.register),
  );
}
