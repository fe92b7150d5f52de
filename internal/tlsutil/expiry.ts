/** The daemon's startup check for certificates that expire soon (`tls.expiry_warn_days`). */
import { describeCertificate, readCertificates } from './certificate.js';

const DAY_MS = 86_400_000;

/** A certificate that expires within the warning window, or has already expired. */
export interface ExpiryWarning {
  /** The file the certificate came from. */
  readonly path: string;
  /** Its subject CN, when it has exactly one. */
  readonly commonName: string | undefined;
  /** Its NotAfter. */
  readonly expires: Date;
  /** Whole days from `now` until `expires`, rounded down; negative once expired. */
  readonly daysLeft: number;
  /** True when `expires` is already past. */
  readonly expired: boolean;
}

/**
 * Reads every certificate in `paths` (a file may be a PEM bundle, as a CA file can be) and returns one
 * warning for each whose NotAfter falls before `now + warnDays` days. `now` is ms since the epoch (pass
 * `clock.now()`). Throws `ERR_CERTIFICATE` when a file cannot be read or parsed.
 */
export async function checkCertificateExpiry(
  paths: readonly string[],
  warnDays: number,
  now: number,
): Promise<ExpiryWarning[]> {
  const deadline = now + warnDays * DAY_MS;
  const warnings: ExpiryWarning[] = [];
  for (const path of paths) {
    for (const cert of await readCertificates(path)) {
      const { commonName, validUntil } = describeCertificate(cert);
      const expires = validUntil.getTime();
      if (expires > deadline) continue;
      warnings.push({
        path,
        commonName,
        expires: validUntil,
        daysLeft: Math.floor((expires - now) / DAY_MS),
        expired: expires <= now,
      });
    }
  }
  return warnings;
}
