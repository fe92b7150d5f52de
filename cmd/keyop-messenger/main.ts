#!/usr/bin/env node
/** The `keyop-messenger` executable. Each command module registers itself in the list below. */
import { readFileSync } from 'node:fs';
import { runCli, type CliContext } from './cli.js';
import { register as registerCompletion } from './commands/completion.js';
import { register as registerGenCert } from './commands/gen-cert.js';
import { register as registerPublish } from './commands/publish.js';
import { register as registerRequest } from './commands/request.js';
import { register as registerRun } from './commands/run.js';
import { register as registerSk } from './commands/sk.js';
import { register as registerTail } from './commands/tail.js';
import { register as registerVersion } from './commands/version.js';

/** The version in package.json, three levels above the built file (dist/cmd/keyop-messenger/main.js). */
function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

const context: CliContext = {
  version: packageVersion(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

process.exitCode = await runCli(process.argv, context, [
  registerRun,
  registerPublish,
  registerTail,
  registerRequest,
  registerSk,
  registerGenCert,
  registerVersion,
  registerCompletion,
]);
