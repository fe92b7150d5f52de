/**
 * The one rule for the identity a certificate carries: its subject holds exactly one CN attribute,
 * and the identity is that attribute's value as encoded, never an escaped text form (`hub\,a` is
 * `hub,a`). A repeated CN, or one inside a multi-valued RDN beside another, counts like any other.
 * The daemon config, the ephemeral config, `inspect`, and the checks of a peer's certificate at the
 * hub, the dialler and the HTTP listener all read it here, so they settle the same name.
 */
import type { X509Certificate } from 'node:crypto';
// Node 20's `toLegacyObject` loads its TLS helpers first, and `node:tls` loaded after them has no
// `createSecureContext` for the rest of the process: load it before (it matters once bundled).
import 'node:tls';

/**
 * Every CN value of a subject in the shape node:tls gives it (`getPeerCertificate().subject`,
 * `X509Certificate.toLegacyObject().subject`): a string for one value, an array when it repeats.
 */
function commonNamesIn(subject: unknown): string[] {
  const cn = (subject as Record<string, unknown> | undefined)?.['CN'];
  if (typeof cn === 'string') return [cn];
  if (Array.isArray(cn)) return cn.filter((value): value is string => typeof value === 'string');
  return [];
}

/** Why `names` is not one identity, or undefined when it is. */
function commonNamesProblem(names: readonly string[]): string | undefined {
  if (names.length === 0) return 'has no CN in its subject';
  if (names.length > 1)
    return `has ${names.length} CNs in its subject (${names.map((name) => JSON.stringify(name)).join(', ')})`;
  if (names[0] === '') return 'has an empty CN';
  return undefined;
}

/** The identity in a node:tls subject object (see {@link commonNameOf}), or undefined. */
export function commonNameOfSubject(subject: unknown): string | undefined {
  const names = commonNamesIn(subject);
  return commonNamesProblem(names) === undefined ? names[0] : undefined;
}

/** The certificate's identity: its one, non-empty subject CN, unescaped; undefined otherwise. */
export function commonNameOf(certificate: X509Certificate): string | undefined {
  return commonNameOfSubject(certificate.toLegacyObject().subject);
}

/** Why `certificate` carries no identity (no CN, several, an empty one), or undefined when it does. */
export function commonNameProblem(certificate: X509Certificate): string | undefined {
  return commonNamesProblem(commonNamesIn(certificate.toLegacyObject().subject));
}
