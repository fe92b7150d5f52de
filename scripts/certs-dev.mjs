#!/usr/bin/env node
// `npm run certs:dev [-- --force]`: a development CA and two instance certificates in certs/, made by the
// built CLI. Both instances get DNS:localhost and IP:127.0.0.1 so either can act as a hub on loopback.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cmd/keyop-messenger/main.js', import.meta.url));
const instances = ['hub-a', 'client-b'];
const force = process.argv.includes('--force') ? ['--force'] : [];

if (!existsSync(cli)) {
  process.stderr.write(`certs:dev: ${cli} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}

/** Runs one `gen-cert` command from the project root; its output goes straight to the terminal. */
function genCert(args) {
  execFileSync(process.execPath, [cli, 'gen-cert', ...args, ...force], { cwd: root, stdio: 'inherit' });
}

try {
  genCert(['ca', '--cn', 'keyop-dev-ca', '--out-cert', 'certs/ca.crt', '--out-key', 'certs/ca.key']);
  for (const name of instances) {
    genCert([
      'instance',
      ...['--ca', 'certs/ca.crt', '--ca-key', 'certs/ca.key', '--name', name],
      ...['--dns', 'localhost', '--ip', '127.0.0.1'],
      ...['--out-cert', `certs/${name}.crt`, '--out-key', `certs/${name}.key`],
    ]);
  }
} catch {
  // gen-cert has already printed why; typically existing files (rerun with `npm run certs:dev -- --force`).
  process.exit(1);
}
process.stderr.write(
  `certs:dev: wrote certs/ca.{crt,key} and ${instances.map((n) => `certs/${n}.{crt,key}`).join(', ')}\n`,
);
