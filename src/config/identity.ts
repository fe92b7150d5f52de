/**
 * The instance identity: with TLS, the CN of `tls.cert` (a differing `name` is an error); without
 * TLS, `name`, defaulting to the host name.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errorMessage } from '../../internal/errors/index.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** The CN in a certificate subject (`CN=hub-a\nO=…`), or undefined when it has none. */
function commonNameOf(certificate: X509Certificate): string | undefined {
  const line = certificate.subject.split('\n').find((entry) => entry.startsWith('CN='));
  return line?.slice('CN='.length);
}

/** Sets `config.name` to the instance identity, or records why it cannot be settled. */
export function resolveIdentity(config: MessengerConfig, issues: ConfigIssues): void {
  const certPath = config.tls.cert;
  if (certPath !== '') {
    const commonName = readCommonName(certPath, issues);
    if (commonName === undefined) return;
    if (config.name === '') {
      config.name = commonName;
    } else if (config.name !== commonName) {
      issues.add(
        'name',
        ` ${JSON.stringify(config.name)} does not match the CN ${JSON.stringify(commonName)} of tls.cert; ` +
          `with TLS the certificate CN is the instance identity (remove name or set it to ${JSON.stringify(commonName)})`,
      );
    }
    return;
  }
  if (config.name === '') config.name = hostname();
  if (config.name === '')
    issues.add('name', ' is required (set explicitly or ensure os.Hostname() succeeds)');
}

function readCommonName(certPath: string, issues: ConfigIssues): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readFileSync(certPath));
  } catch (err) {
    issues.add(
      'tls.cert',
      ` ${JSON.stringify(certPath)} cannot be read as a certificate: ${errorMessage(err)}`,
    );
    return undefined;
  }
  const commonName = commonNameOf(certificate);
  if (commonName === undefined || commonName === '') {
    issues.add(
      'tls.cert',
      ` ${JSON.stringify(certPath)} has no CN in its subject; the CN is the instance identity`,
    );
    return undefined;
  }
  return commonName;
}
