/**
 * SIGHUP and TLS: the certificate, key and CA files are read again, checked, and (when they changed)
 * handed to the listeners and dialers for new connections. Unusable files change nothing.
 */
import { X509Certificate } from 'node:crypto';
import { errorMessage } from '../../../internal/errors/index.js';
import type { Logger } from '../../../internal/logger/index.js';
import type { MutualTlsOptions } from '../../../internal/tlsutil/index.js';
import type { MessengerConfig } from '../../../src/index.js';
import { loadTlsMaterial, warnExpiringCertificates } from './certificates.js';

/** What a reload did with the TLS material. */
export type TlsReloadOutcome = 'off' | 'unchanged' | 'reloaded' | 'kept';

/** Settings of {@link reloadTlsMaterial}. */
export interface TlsReload {
  /** The material in force; undefined when the daemon runs without TLS. */
  readonly running: MutualTlsOptions | undefined;
  /** The configuration just loaded (its `tls` file paths, `min_version`, `expiry_warn_days`). */
  readonly next: MessengerConfig;
  readonly configPath: string;
  /** Hands checked material to the listeners and dialers. */
  readonly apply: (tls: MutualTlsOptions) => void;
  readonly logger: Logger;
  readonly now: number;
}

/**
 * Reads the files `next.tls` names and applies them when they differ from `running`. A file that is
 * missing or unparsable, or a key that does not match its certificate, is logged as an error naming
 * the files, and `running` stays in force. Turning TLS on or off is left to a restart (the caller
 * reports `tls.cert` then). Expiry is checked again (`tls.expiry_warn_days`) whenever the files are
 * usable. Resolves with the material in force afterwards and what happened.
 */
export async function reloadTlsMaterial(
  reload: TlsReload,
): Promise<{ tls: MutualTlsOptions | undefined; outcome: TlsReloadOutcome }> {
  const { running, next, logger } = reload;
  if (running === undefined || next.tls.cert === '') return { tls: running, outcome: 'off' };
  let loaded: MutualTlsOptions;
  try {
    loaded = (await loadTlsMaterial(next, reload.configPath)) ?? running;
    if (sameMaterial(loaded, running)) {
      await warnExpiringCertificates(next, logger, reload.now);
      return { tls: running, outcome: 'unchanged' };
    }
    reload.apply(loaded);
  } catch (err) {
    logger.error(
      { cert: next.tls.cert, key: next.tls.key, ca: next.tls.ca, problem: errorMessage(err) },
      'TLS reload failed; new connections keep the running certificate, key and CA',
    );
    return { tls: running, outcome: 'kept' };
  }
  const cert = new X509Certificate(loaded.cert);
  logger.info(
    {
      cert: next.tls.cert,
      subject: cert.subject,
      serial: cert.serialNumber,
      fingerprint256: cert.fingerprint256,
      validTo: cert.validTo,
      ca: next.tls.ca,
    },
    'TLS certificate, key and CA reloaded for new connections (open connections keep theirs)',
  );
  await warnExpiringCertificates(next, logger, reload.now);
  return { tls: loaded, outcome: 'reloaded' };
}

function sameMaterial(a: MutualTlsOptions, b: MutualTlsOptions): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && a.ca.equals(b.ca) && a.minVersion === b.minVersion;
}
