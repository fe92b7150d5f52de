/** `keyop-messenger version`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli.js';

/** Registers `version`, which prints `keyop-messenger <version>`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('print the version')
    .action(() => {
      ctx.stdout(`keyop-messenger ${ctx.version}\n`);
    });
}
