/**
 * What `version` and `--version` print. Apart from cli.ts so that main.ts can answer them without
 * loading commander.
 */
import type { CliContext } from './cli.js';

/** What `version` and `--version` print (without the newline). */
export function versionLine(ctx: Pick<CliContext, 'version'>): string {
  return `keyop-messenger ${ctx.version}`;
}
