/**
 * `keyop-messenger gen-cert` (alias `keygen`, the Go tool's name): create a CA, create instance
 * certificates signed by it, and inspect certificates.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { ErrorCode, MessengerError, errorMessage } from '../../../internal/errors/index.js';
import {
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_VALIDITY_DAYS,
  describeCertificate,
  generateCa,
  generateInstance,
  isDnsName,
  isIpAddress,
  readCertificate,
  verifiesAgainst,
  writeCertificateFiles,
  type GeneratedCertificate,
} from '../../../internal/tlsutil/index.js';
import type { CliContext } from '../cli.js';
import { createdFields, formatFields, formatJson, infoJson, inspectedFields } from './cert-output.js';
import { wholeNumberAtLeastOne } from './whole-number.js';

interface OutputFlags {
  readonly outCert: string;
  readonly outKey: string;
  readonly days: number;
  readonly force?: true;
  readonly json?: true;
}

interface CaFlags extends OutputFlags {
  readonly cn: string;
}

interface InstanceFlags {
  readonly ca: string;
  readonly caKey: string;
  readonly name: string;
  readonly outCert?: string;
  readonly outKey?: string;
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly days: number;
  readonly force?: true;
  readonly json?: true;
}

interface InspectFlags {
  readonly ca?: string;
  readonly json?: true;
}

/** Registers `gen-cert` (alias `keygen`) with its `ca`, `instance` and `inspect` subcommands. */
export function register(program: Command, ctx: CliContext): void {
  const genCert = program
    .command('gen-cert')
    .alias('keygen')
    .description('create and inspect certificates for mutual-TLS federation (ECDSA P-384)');

  withOutputOptions(genCert.command('ca').description('create a self-signed certificate authority'), 'ca')
    .option('--cn <name>', 'subject common name', DEFAULT_CA_COMMON_NAME)
    .action(async (flags: CaFlags) => {
      await emit(ctx, flags, flags, await generateCa({ commonName: flags.cn, days: flags.days }));
    });

  withOutputOptions(
    genCert
      .command('instance')
      .description('create an instance certificate (TLS server and client) signed by a CA')
      .requiredOption('--ca <file>', 'CA certificate (PEM)')
      .requiredOption('--ca-key <file>', 'CA private key (PEM: SEC1 EC PRIVATE KEY or PKCS#8)')
      .requiredOption('--name <name>', 'instance name: subject CN and first DNS SAN', parseDnsName),
  )
    .option('--dns <host>', 'extra DNS SAN (repeatable)', collect(parseDnsName))
    .option('--ip <address>', 'IP address SAN (repeatable)', collect(parseIpAddress))
    .action(async (flags: InstanceFlags) => {
      const [caCertPem, caKeyPem] = await Promise.all([readInput(flags.ca), readInput(flags.caKey)]);
      const generated = await generateInstance({
        name: flags.name,
        caCertPem,
        caKeyPem,
        dnsNames: flags.dns ?? [],
        ipAddresses: flags.ip ?? [],
        days: flags.days,
        caSources: { cert: flags.ca, key: flags.caKey },
      });
      const files = {
        outCert: flags.outCert ?? `${flags.name}.crt`,
        outKey: flags.outKey ?? `${flags.name}.key`,
      };
      await emit(ctx, files, flags, generated);
    });

  genCert
    .command('inspect')
    .description('show a certificate and, with --ca, whether it verifies against that CA')
    .argument('<file>', 'certificate (PEM)')
    .option('--ca <file>', 'CA certificate to verify against')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: InspectFlags) => {
      await inspect(ctx, file, flags);
    });
}

/**
 * Adds the options shared by `ca` and `instance`. `defaultName` names the default output files; without
 * it they default to the instance name, which is known only once parsed.
 */
function withOutputOptions(command: Command, defaultName?: string): Command {
  const output = (flag: string, help: string, ext: string) =>
    defaultName === undefined
      ? command.option(flag, `${help} (default: <name>.${ext})`)
      : command.option(flag, help, `${defaultName}.${ext}`);
  output('--out-cert <file>', 'certificate output', 'crt');
  output('--out-key <file>', 'private key output, mode 0600', 'key');
  return command
    .option('--days <n>', 'validity in days', wholeNumberAtLeastOne('days'), DEFAULT_VALIDITY_DAYS)
    .option('--force', 'overwrite existing output files')
    .option('--json', 'print JSON');
}

async function emit(
  ctx: CliContext,
  files: { readonly outCert: string; readonly outKey: string },
  flags: { readonly force?: true; readonly json?: true },
  generated: GeneratedCertificate,
): Promise<void> {
  await writeCertificateFiles(
    { certFile: files.outCert, keyFile: files.outKey, force: flags.force === true },
    generated,
  );
  ctx.stdout(
    flags.json === true
      ? formatJson(infoJson(generated.info, { certFile: files.outCert, keyFile: files.outKey }))
      : formatFields(createdFields(generated.info)),
  );
}

async function inspect(ctx: CliContext, file: string, flags: InspectFlags): Promise<void> {
  const cert = await readCertificate(file);
  const info = describeCertificate(cert);
  const verified =
    flags.ca === undefined ? undefined : verifiesAgainst(cert, await readCertificate(flags.ca));
  if (flags.json === true) {
    ctx.stdout(
      formatJson(infoJson(info, verified === undefined ? { file } : { file, verifiesAgainstCa: verified })),
    );
  } else {
    const verdict =
      verified === undefined ? [] : ([['Verifies against CA', verified ? 'yes' : 'no']] as const);
    ctx.stdout(formatFields([...inspectedFields(info), ...verdict]));
  }
  if (verified === false) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `${file} does not verify against ${flags.ca ?? ''}`);
  }
}

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new MessengerError(ErrorCode.CERTIFICATE, `cannot read ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

function parseDnsName(value: string): string {
  if (!isDnsName(value)) throw new InvalidArgumentError('expected a DNS name (letters, digits, "-", ".")');
  return value;
}

function parseIpAddress(value: string): string {
  if (!isIpAddress(value)) throw new InvalidArgumentError('expected an IPv4 or IPv6 address');
  return value;
}

/** A commander option parser that validates each value and collects repeats into a list. */
function collect(
  parse: (value: string) => string,
): (value: string, previous: readonly string[] | undefined) => string[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}
