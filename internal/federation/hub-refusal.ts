/**
 * Telling a hub's permanent refusal of a client (allowlist, certificates) from a failure worth retrying.
 */
import { CLOSE_NOT_IN_ALLOWLIST, CLOSE_TOO_MANY_SUBSCRIPTIONS } from './protocol/index.js';

/** What is known about a failed dial besides its error. */
export interface DialFacts {
  /** The TLS handshake completed (the hub's certificate verified) before the failure. */
  readonly tlsEstablished: boolean;
  /** The WebSocket upgrade succeeded before the failure. */
  readonly opened: boolean;
  /** Close code the hub sent, when it closed the WebSocket. */
  readonly closeCode: number | undefined;
  /** Close reason the hub sent. */
  readonly closeReason: string;
}

/** How to treat a failed dial. */
export type DialVerdict =
  /** The hub refused this client; retrying cannot help until an operator changes something. */
  | { readonly kind: 'refused'; readonly reason: string }
  /**
   * The hub dropped the connection right after the TLS handshake, before answering the upgrade: what a
   * Node hub does to a client certificate it does not trust (it sends no alert), but also what a hub
   * shutting down may do. Refused when it happens several times in a row.
   */
  | { readonly kind: 'suspect-certificate'; readonly reason: string }
  /** Anything else: retry with backoff. */
  | { readonly kind: 'transient' };

/** Consecutive dials dropped right after the TLS handshake that count as a refused certificate. */
export const SUSPECT_DIALS_BEFORE_REFUSAL = 3;

/**
 * Follows the verdicts of consecutive dials of one client and says when they amount to a refusal:
 * a `refused` verdict, or {@link SUSPECT_DIALS_BEFORE_REFUSAL} suspect ones in a row.
 */
export class RefusalTracker {
  #suspects = 0;

  /** Takes the verdict of the latest failed dial; returns the refusal's reason, or undefined. */
  note(verdict: DialVerdict): string | undefined {
    this.#suspects = verdict.kind === 'suspect-certificate' ? this.#suspects + 1 : 0;
    if (verdict.kind === 'refused') return verdict.reason;
    if (verdict.kind === 'suspect-certificate' && this.#suspects >= SUSPECT_DIALS_BEFORE_REFUSAL) {
      return verdict.reason;
    }
    return undefined;
  }

  /** Forgets the suspects (after a successful dial). */
  reset(): void {
    this.#suspects = 0;
  }
}

/** TLS alerts a hub sends when it refuses this client's certificate or protocol version. */
const REFUSING_ALERTS =
  /alert (bad certificate|unknown ca|certificate required|certificate unknown|certificate expired|certificate revoked|unsupported certificate|access denied|protocol version)/;

/** Node's codes for a hub certificate that does not verify against the configured CA. */
const UNTRUSTED_HUB_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'INVALID_CA',
  'INVALID_PURPOSE',
]);

/** Classifies a failed dial. */
export function classifyDialFailure(err: unknown, facts: DialFacts): DialVerdict {
  if (facts.closeCode === CLOSE_TOO_MANY_SUBSCRIPTIONS) {
    return {
      kind: 'refused',
      reason: `the hub refused this client: ${facts.closeReason} (close code ${facts.closeCode}); subscribe to fewer channels`,
    };
  }
  if (facts.closeCode === CLOSE_NOT_IN_ALLOWLIST) {
    const reason = facts.closeReason === '' ? 'not in allowlist' : facts.closeReason;
    return {
      kind: 'refused',
      reason: `the hub refused this client: ${reason} (close code ${facts.closeCode})`,
    };
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  const codeText = typeof code === 'string' ? code : '';
  if (UNTRUSTED_HUB_CERTIFICATE.has(codeText)) {
    return {
      kind: 'refused',
      reason: `the hub's certificate does not verify against the configured CA (${codeText})`,
    };
  }
  const message = err instanceof Error ? err.message : '';
  const alert = REFUSING_ALERTS.exec(
    `${codeText.toLowerCase().replaceAll('_', ' ')} ${message.toLowerCase()}`,
  );
  if (alert !== null) {
    return {
      kind: 'refused',
      reason: `the hub refused the TLS handshake (${alert[0]}): is this client's certificate signed by a CA the hub trusts, valid, and TLS 1.3 capable?`,
    };
  }
  if (facts.tlsEstablished && !facts.opened && codeText === 'ECONNRESET') {
    return {
      kind: 'suspect-certificate',
      reason:
        'the hub closed the connection right after the TLS handshake: it most likely does not trust this client certificate (is it signed by the CA the hub uses?)',
    };
  }
  return { kind: 'transient' };
}
