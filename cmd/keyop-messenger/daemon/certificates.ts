/** The daemon's TLS material at startup: loaded and checked once, and expiry warnings logged. */
import { ConfigError, errorMessage } from '../../../internal/errors/index.js';
import type { Logger } from '../../../internal/logger/index.js';
import {
  checkCertificateExpiry,
  formatRfc3339,
  loadMutualTlsOptions,
  type MutualTlsOptions,
} from '../../../internal/tlsutil/index.js';
import type { MessengerConfig } from '../../../src/index.js';

/**
 * Reads `tls.cert`, `tls.key` and `tls.ca` when TLS is configured (undefined when `tls.cert` is empty).
 * Unusable material (unreadable file, bad PEM, key not matching the certificate) is a ConfigError
 * naming `configPath`, so the daemon exits 78 rather than being restarted in a loop.
 */
export async function loadTlsMaterial(
  config: MessengerConfig,
  configPath: string | undefined,
): Promise<MutualTlsOptions | undefined> {
  const { cert, key, ca, minVersion } = config.tls;
  if (cert === '') return undefined;
  try {
    return await loadMutualTlsOptions({
      certFile: cert,
      keyFile: key,
      caFile: ca,
      minVersion: `TLSv${minVersion}`,
    });
  } catch (err) {
    throw new ConfigError([`tls: ${errorMessage(err)}`], configPath);
  }
}

/** Logs a warning for each certificate in `tls.cert` and `tls.ca` that expires within `tls.expiry_warn_days`. */
export async function warnExpiringCertificates(
  config: MessengerConfig,
  logger: Logger,
  now: number,
): Promise<void> {
  const { cert, ca, expiryWarnDays } = config.tls;
  if (cert === '') return;
  for (const warning of await checkCertificateExpiry([cert, ca], expiryWarnDays, now)) {
    logger.warn(
      {
        path: warning.path,
        cn: warning.commonName,
        expires: formatRfc3339(warning.expires),
        daysLeft: warning.daysLeft,
        warnDays: expiryWarnDays,
      },
      warning.expired ? 'certificate has expired' : 'certificate expiring soon',
    );
  }
}
