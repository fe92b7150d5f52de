/**
 * The instance identity: with TLS, the CN of `tls.cert` (a differing `name` is an error); without
 * TLS, `name`, defaulting to the host name.
 */
import { hostname } from 'node:os';
import { errorMessage } from '../../internal/errors/index.js';
import { readCommonName } from '../../internal/tlsutil/index.js';
import type { ConfigIssues } from './issues.js';
import type { MessengerConfig } from './types.js';

/** Sets `config.name` to the instance identity, or records why it cannot be settled. */
export function resolveIdentity(config: MessengerConfig, issues: ConfigIssues): void {
  const certPath = config.tls.cert;
  if (certPath !== '') {
    const commonName = certificateIdentity(certPath, issues);
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

/**
 * The identity `tls.cert` carries (its one subject CN, read by tlsutil's `readCommonName`, the rule
 * the ephemeral config uses too), or undefined after recording under `tls.cert` why it has none.
 */
export function certificateIdentity(certPath: string, issues: ConfigIssues): string | undefined {
  try {
    return readCommonName(certPath);
  } catch (err) {
    issues.add('tls.cert', ` ${errorMessage(err)}`);
    return undefined;
  }
}
