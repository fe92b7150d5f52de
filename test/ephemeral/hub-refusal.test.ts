import { describe, expect, it } from 'vitest';
import { classifyDialFailure, type DialFacts } from '../../internal/federation/hub-refusal.js';

const before: DialFacts = { tlsEstablished: false, opened: false, closeCode: undefined, closeReason: '' };

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyDialFailure', () => {
  it('treats close code 4403 as a refusal, with the hub reason', () => {
    const verdict = classifyDialFailure(new Error('handshake: connection closed'), {
      ...before,
      tlsEstablished: true,
      opened: true,
      closeCode: 4403,
      closeReason: 'not in allowlist',
    });
    expect(verdict).toEqual({
      kind: 'refused',
      reason: 'the hub refused this client: not in allowlist (close code 4403)',
    });
  });

  it('treats close code 4429 (too many subscriptions) as a refusal, with the hub reason', () => {
    const verdict = classifyDialFailure(new Error('handshake: connection closed'), {
      ...before,
      tlsEstablished: true,
      opened: true,
      closeCode: 4429,
      closeReason: 'too many subscriptions: 11 requested, at most 10',
    });
    expect(verdict).toEqual({
      kind: 'refused',
      reason:
        'the hub refused this client: too many subscriptions: 11 requested, at most 10 (close code 4429); subscribe to fewer channels',
    });
  });

  it('treats TLS alerts about this client and untrusted hub certificates as refusals', () => {
    const cases = [
      failure('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ssl3_read_bytes:sslv3 alert bad certificate'),
      failure('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca'),
      failure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'),
      failure('EPROTO', 'write EPROTO ...:tlsv1 alert protocol version:...'),
      failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'),
      failure('CERT_HAS_EXPIRED', 'certificate has expired'),
    ];
    for (const err of cases) expect(classifyDialFailure(err, before).kind, err.message).toBe('refused');
  });

  it('suspects a certificate refusal when the hub drops the connection right after the TLS handshake', () => {
    const reset = failure('ECONNRESET', 'socket hang up');
    expect(classifyDialFailure(reset, { ...before, tlsEstablished: true }).kind).toBe('suspect-certificate');
    expect(classifyDialFailure(reset, before).kind).toBe('transient');
    expect(classifyDialFailure(reset, { ...before, tlsEstablished: true, opened: true }).kind).toBe(
      'transient',
    );
  });

  it('retries everything else', () => {
    for (const err of [
      failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
      failure('ETIMEDOUT', 'timeout'),
      new Error('Unexpected server response: 426'),
      'not even an error',
    ]) {
      expect(classifyDialFailure(err, before)).toEqual({ kind: 'transient' });
    }
    expect(classifyDialFailure(new Error('closed'), { ...before, opened: true, closeCode: 1001 }).kind).toBe(
      'transient',
    );
  });
});
