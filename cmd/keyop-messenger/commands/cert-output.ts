/** How `gen-cert` prints certificates: aligned `Label: value` lines for people, JSON for machines. */
import { formatRfc3339, type CertificateInfo } from '../../../internal/tlsutil/index.js';

/** Ordered label/value pairs. */
export type Fields = readonly (readonly [label: string, value: string])[];

/** `Label: value` lines with the values aligned, e.g. `Valid from:  2027-01-01T00:00:00Z`. */
export function formatFields(fields: Fields): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join('');
}

/** The four lines printed after creating a certificate, as the Go tool prints them. */
export function createdFields(info: CertificateInfo): Fields {
  return [
    ['Subject', info.subject],
    ['Valid from', formatRfc3339(info.validFrom)],
    ['Valid until', formatRfc3339(info.validUntil)],
    ['Fingerprint', info.fingerprint],
  ];
}

/** Everything `inspect` shows about a certificate. */
export function inspectedFields(info: CertificateInfo): Fields {
  return [
    ['Subject', info.subject],
    ['SANs', info.subjectAltNames.join(', ') || '(none)'],
    ['Issuer', info.issuer],
    ['Serial', info.serialNumber],
    ['Key', info.publicKey],
    ['CA', info.isCa ? 'yes' : 'no'],
    ['Valid from', formatRfc3339(info.validFrom)],
    ['Valid until', formatRfc3339(info.validUntil)],
    ['Fingerprint', info.fingerprint],
  ];
}

/** `info` as a JSON-ready object, dates in RFC 3339, with `extra` fields appended. */
export function infoJson(
  info: CertificateInfo,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    subject: info.subject,
    commonName: info.commonName ?? null,
    subjectAltNames: info.subjectAltNames,
    issuer: info.issuer,
    serialNumber: info.serialNumber,
    isCa: info.isCa,
    publicKey: info.publicKey,
    validFrom: formatRfc3339(info.validFrom),
    validUntil: formatRfc3339(info.validUntil),
    fingerprint: info.fingerprint,
    ...extra,
  };
}

/** One JSON document on one line. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
