/** `keyop-messenger version`. */
import type { Command } from 'commander';
import { versionLine, type CliContext } from '../cli.js';

/** Registers `version`, which prints `keyop-messenger <version>`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('print the version')
    .action(() => {
      ctx.stdout(`${versionLine(ctx)}\n`);
    });
}
